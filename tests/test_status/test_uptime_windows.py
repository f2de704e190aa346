"""Per-component uptime over 24 h, 7, 30 and 90 days: in /api/status (a new `uptime` key beside the
existing ones) and on /status."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import StatusRollup
from app.models.types import utcnow
from app.status.history import floor_to

MEASURED = ("api", "frontend", "database", "workflows")  # Stripe is not configured: no data


@pytest.fixture
def ninety_days(add_snapshot):
    """90 daily rollups, all up, except the API: half of day -20 down and days -60 and -61 all down;
    the last hour of raw checks all up; no hourly rollups at all (the 7-day window has no data)."""
    now = utcnow()
    today = floor_to(now, "day")
    for days_ago in range(90):
        for component in MEASURED:
            up, down = 288, 0
            if component == "api" and days_ago == 20:
                up, down = 144, 144
            if component == "api" and days_ago in (60, 61):
                up, down = 0, 288
            db.session.add(StatusRollup(period="day", bucket_start=today - timedelta(days=days_ago),
                                        component=component, up=up, degraded=0, down=down, no_data=0))
    db.session.commit()
    for i in range(12):
        add_snapshot(now - timedelta(minutes=5 * i), commit=False)
    db.session.commit()
    return now


def test_api_status_has_uptime_per_component_and_window(client, ninety_days):
    body = client.get("/api/status").get_json()
    assert {"ok", "overall", "components", "updated_at", "incidents", "history"} <= set(body)  # unchanged
    uptime = body["uptime"]
    assert set(uptime) == {"api", "frontend", "database", "stripe", "workflows"}
    for component in uptime.values():
        assert set(component) == {"24h", "7d", "30d", "90d"}
    api = uptime["api"]
    assert api["24h"] == 100.0
    assert api["7d"] is None  # no hourly rollups: no data, not 0 % nor 100 %
    assert api["30d"] == pytest.approx(100 * (30 * 288 - 144) / (30 * 288), abs=0.001)
    assert api["90d"] == pytest.approx(100 * (90 * 288 - 144 - 576) / (90 * 288), abs=0.001)
    assert uptime["database"]["30d"] == 100.0 and uptime["database"]["90d"] == 100.0
    assert uptime["stripe"] == {"24h": None, "7d": None, "30d": None, "90d": None}


def test_status_page_shows_the_four_uptime_windows(client, ninety_days):
    html = client.get("/status").get_data(as_text=True)
    api = html.split('id="component-api"', 1)[1].split('id="component-frontend"', 1)[0]
    # One figure under the 90-day bar, saying over how many days it was measured; the days are cells.
    assert 'data-uptime="90d">97.22 % uptime over 90 days<' in api
    assert api.count('class="day-cell lv-down') == 3  # days -60, -61 and -20 (half down)
    assert ': 50.00 % uptime, Major outage 12 h"' in api  # the day's name says its real downtime
    history = client.get("/status/history").get_data(as_text=True)
    api = history.split('id="component-api"', 1)[1].split('id="component-frontend"', 1)[0]
    assert 'data-window="24h">100 % uptime' in api and 'data-window="7d">No data<' in api
