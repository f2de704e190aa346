"""GET /status/badge.svg: the overall or one component's state, or its uptime over a window; an inert
SVG other sites can embed; unknown parameters are refused."""
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Incident, StatusRollup
from app.models.types import utcnow
from app.status.history import floor_to

SVG = "{http://www.w3.org/2000/svg}"


def _badge(client, query=""):
    res = client.get(f"/status/badge.svg{query}")
    assert res.status_code == 200, res.data[:300]
    assert res.mimetype == "image/svg+xml"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in res.headers["Content-Security-Policy"]
    assert res.headers["Access-Control-Allow-Origin"] == "*" and "max-age" in res.headers["Cache-Control"]
    root = ET.fromstring(res.data)
    assert root.tag == f"{SVG}svg" and int(root.get("width")) > 40 and root.get("height") == "20"
    # Inert: no script, no event handler, no reference to anything outside the badge.
    text = res.get_data(as_text=True).lower()
    assert "<script" not in text and "javascript:" not in text and "href" not in text
    assert not any(name.startswith("on") for el in root.iter() for name in el.attrib)
    return [t.text for t in root.iter(f"{SVG}text")], root


def test_overall_badge_says_operational_when_all_is_up(client, add_snapshot):
    add_snapshot(utcnow())
    texts, root = _badge(client)
    assert texts == ["status", "operational"]
    assert root.find(f"{SVG}title").text == "status: operational"


def test_component_badge_follows_that_component_and_declared_incidents(client, add_snapshot):
    add_snapshot(utcnow(), api="down")
    assert _badge(client, "?component=api")[0] == ["API", "outage"]
    assert _badge(client, "?component=database")[0] == ["Database", "operational"]
    assert _badge(client, "?component=stripe")[0] == ["Stripe (payments)", "unknown"]  # not configured
    db.session.add(Incident(title="Slow queries", status="identified", impact="minor", components=["database"],
                            message="x"))
    db.session.commit()
    from app.status import incidents

    incidents.after_change()
    assert _badge(client, "?component=database")[0] == ["Database", "degraded"]
    assert _badge(client)[0] == ["status", "outage"]


def test_uptime_badge_over_30_days(client, add_snapshot):
    add_snapshot(utcnow())
    today = floor_to(utcnow(), "day")
    for days_ago in range(40):  # ten days outside the window are left out
        down = 144 if days_ago == 3 else (288 if days_ago >= 30 else 0)
        for component in ("overall", "api"):
            db.session.add(StatusRollup(period="day", bucket_start=today - timedelta(days=days_ago),
                                        component=component, up=288 - down, degraded=0, down=down, no_data=0))
    db.session.commit()
    texts, root = _badge(client, "?uptime=30d")
    assert texts == ["status uptime 30d", "98.33%"]
    assert _badge(client, "?component=api&uptime=30d")[0] == ["API uptime 30d", "98.33%"]
    assert _badge(client, "?component=frontend&uptime=30d")[0] == ["Frontend uptime 30d", "no data"]


@pytest.mark.parametrize("query", ["?component=nope", "?component=", "?uptime=1y", "?uptime=",
                                   "?component=%3Cscript%3E", "?component=api&uptime=30"])
def test_invalid_parameters_are_refused(client, query):
    res = client.get(f"/status/badge.svg{query}")
    assert res.status_code == 422
    assert "<script>" not in res.get_data(as_text=True)


def test_badge_is_cached_until_the_status_changes(client, add_snapshot):
    from app.status import cache

    add_snapshot(utcnow())
    assert _badge(client)[0][1] == "operational"
    add_snapshot(utcnow() + timedelta(seconds=1), api="down")
    assert _badge(client)[0][1] == "operational"  # the cached copy
    cache.invalidate()  # what recording a snapshot does
    assert _badge(client)[0][1] == "outage"


def test_badge_says_maintenance_while_planned_work_is_under_way(client, add_snapshot):
    from app.models import ScheduledMaintenance

    add_snapshot(utcnow(), database="down")  # the work takes it down: that is not an outage
    now = utcnow()
    db.session.add(ScheduledMaintenance(title="Failover drill", components=["database"],
                                        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1)))
    db.session.commit()
    assert _badge(client, "?component=database")[0] == ["Database", "maintenance"]
    assert _badge(client, "?component=api")[0] == ["API", "operational"]
    assert _badge(client)[0] == ["status", "maintenance"]
