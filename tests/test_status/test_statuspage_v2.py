"""Atlassian Statuspage's public v2 read API: every endpoint in Statuspage's shape, so a Statuspage
client (or an aggregator) reads us unchanged."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Incident, IncidentUpdate
from app.models.types import utcnow

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_KEYS = {"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
                  "start_date", "group_id", "page_id", "group", "only_show_if_degraded"}
INCIDENT_KEYS = {"id", "name", "status", "impact", "created_at", "updated_at", "started_at", "monitoring_at",
                 "resolved_at", "shortlink", "page_id", "incident_updates", "components"}
UPDATE_KEYS = {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
               "affected_components", "deliver_notifications", "custom_tweet", "tweet_id"}
V2_PATHS = ("summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
            "scheduled-maintenances.json", "scheduled-maintenances/upcoming.json",
            "scheduled-maintenances/active.json")


def _incident(title, status="investigating", impact="minor", components=None, days_ago=0, updates=()):
    started = utcnow() - timedelta(days=days_ago, minutes=30)
    item = Incident(title=title, status=status, impact=impact, components=components or [], message=title,
                    started_at=started, resolved_at=started + timedelta(minutes=20) if status == "resolved" else None)
    item.updates = [IncidentUpdate(status=s, message=m, created_at=started + timedelta(minutes=i))
                    for i, (s, m) in enumerate(updates)]
    db.session.add(item)
    return item


def _get(client, path):
    res = client.get(f"/api/v2/{path}")
    assert res.status_code == 200, (path, res.data[:200])
    assert res.mimetype == "application/json" and res.headers["Access-Control-Allow-Origin"] == "*"
    body = res.get_json()
    assert set(body["page"]) >= PAGE_KEYS and body["page"]["url"].endswith("/status")
    return body


def _check_incident(inc):
    assert set(inc) >= INCIDENT_KEYS
    assert isinstance(inc["id"], str) and inc["page_id"] == "levqor"
    assert inc["created_at"].endswith("Z") and inc["shortlink"].startswith("http")
    for update in inc["incident_updates"]:
        assert set(update) >= UPDATE_KEYS and update["incident_id"] == inc["id"]
        for affected in update["affected_components"]:
            assert set(affected) >= {"code", "name"}
    for component in inc["components"]:
        assert set(component) >= COMPONENT_KEYS


@pytest.mark.parametrize("path", V2_PATHS)
def test_every_v2_endpoint_answers_json_with_a_page(client, healthy_day, path):
    _get(client, path)


def test_components_json(client, healthy_day, add_snapshot):
    add_snapshot(utcnow(), api="degraded")
    _incident("DB slow", impact="major", components=["database"])
    db.session.commit()
    body = _get(client, "components.json")
    assert set(body) == {"page", "components"}
    for component in body["components"]:
        assert set(component) >= COMPONENT_KEYS and component["page_id"] == "levqor"
    by_id = {c["id"]: c for c in body["components"]}
    assert set(by_id) == {"api", "frontend", "database", "workflows"}  # Stripe not configured: left out
    assert by_id["api"]["status"] == "degraded_performance"  # measured
    assert by_id["database"]["status"] == "partial_outage"  # declared by an open major incident
    assert by_id["frontend"]["status"] == "operational" and by_id["frontend"]["name"] == "Frontend"
    assert [c["position"] for c in body["components"]] == sorted(c["position"] for c in body["components"])


def test_incidents_json_lists_the_50_most_recent_with_updates(client, healthy_day):
    for n in range(55):
        _incident(f"Old {n}", status="resolved", days_ago=60 + n,
                  updates=[("investigating", "Looking."), ("resolved", "Fixed.")])
    _incident("Now", impact="critical", components=["api"],
              updates=[("investigating", "Errors."), ("monitoring", "Fix out, watching.")])
    db.session.commit()
    body = _get(client, "incidents.json")
    assert set(body) == {"page", "incidents"}
    incidents = body["incidents"]
    assert len(incidents) == 50
    assert incidents[0]["name"] == "Now" and incidents[1]["name"] == "Old 0" and incidents[-1]["name"] == "Old 48"
    for inc in incidents:
        _check_incident(inc)
    now = incidents[0]
    assert [u["body"] for u in now["incident_updates"]] == ["Fix out, watching.", "Errors."]  # newest first
    assert now["monitoring_at"] == now["incident_updates"][0]["created_at"]
    assert now["incident_updates"][0]["affected_components"] == [{"code": "api", "name": "API"}]
    assert now["components"][0]["id"] == "api" and now["components"][0]["status"] == "major_outage"
    old = incidents[1]
    assert old["status"] == "resolved" and old["resolved_at"].endswith("Z") and old["impact"] == "minor"


def test_unresolved_json_lists_only_open_incidents(client, healthy_day):
    _incident("Open one", status="identified", impact="major", components=["workflows"],
              updates=[("identified", "Queue stuck.")])
    _incident("Closed one", status="resolved", updates=[("resolved", "Done.")])
    _incident("Long open", status="monitoring", days_ago=45, updates=[("monitoring", "Watching.")])
    db.session.commit()
    body = _get(client, "incidents/unresolved.json")
    assert set(body) == {"page", "incidents"}
    assert [i["name"] for i in body["incidents"]] == ["Open one", "Long open"]
    for inc in body["incidents"]:
        _check_incident(inc)
        assert inc["resolved_at"] is None


@pytest.mark.parametrize("path", ["scheduled-maintenances.json", "scheduled-maintenances/upcoming.json",
                                  "scheduled-maintenances/active.json"])
def test_scheduled_maintenance_endpoints_shape(client, healthy_day, path):
    body = _get(client, path)
    assert set(body) == {"page", "scheduled_maintenances"}
    assert isinstance(body["scheduled_maintenances"], list)


def test_v2_answers_are_cached_and_refreshed_by_an_incident_change(client, healthy_day):
    from app.status import incidents

    assert _get(client, "incidents/unresolved.json")["incidents"] == []
    _incident("Fresh", updates=[("investigating", "Looking.")])
    db.session.commit()
    assert _get(client, "incidents/unresolved.json")["incidents"] == []  # cached
    incidents.after_change()
    assert [i["name"] for i in _get(client, "incidents/unresolved.json")["incidents"]] == ["Fresh"]


def test_unknown_v2_path_is_a_json_404(client):
    res = client.get("/api/v2/nothing.json")
    assert res.status_code == 404 and res.get_json()["ok"] is False


MAINTENANCE_KEYS = INCIDENT_KEYS | {"scheduled_for", "scheduled_until"}


@pytest.fixture
def maintenances():
    """Completed three days ago, in progress on the database now, next in 2 and 30 days; one canceled."""
    from app.models import ScheduledMaintenance

    now = utcnow()

    def add(title, starts, hours=2, status="scheduled", components=None):
        item = ScheduledMaintenance(title=title, message=f"{title}: planned work.", components=components or [],
                                    starts_at=starts, ends_at=starts + timedelta(hours=hours), status=status)
        db.session.add(item)
        return item

    made = {"done": add("Done", now - timedelta(days=3), status="completed"),
            "active": add("Active", now - timedelta(minutes=10), components=["database"]),
            "next": add("Next", now + timedelta(days=2)),
            "far": add("Far", now + timedelta(days=30)),
            "canceled": add("Canceled", now + timedelta(days=1), status="canceled")}
    db.session.commit()
    return made


def test_scheduled_maintenances_in_statuspage_shape(client, healthy_day, maintenances):
    everything = _get(client, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert [m["name"] for m in everything] == ["Far", "Next", "Active", "Done"]  # newest first, canceled left out
    for item in everything:
        assert set(item) >= MAINTENANCE_KEYS and item["impact"] == "maintenance" and item["page_id"] == "levqor"
        assert item["scheduled_for"].endswith("Z") and item["scheduled_until"] > item["scheduled_for"]
        for update in item["incident_updates"]:
            assert set(update) >= UPDATE_KEYS and update["incident_id"] == item["id"]
    by_name = {m["name"]: m for m in everything}
    assert [u["status"] for u in by_name["Done"]["incident_updates"]] == ["completed", "in_progress", "scheduled"]
    assert by_name["Done"]["status"] == "completed" and by_name["Done"]["resolved_at"].endswith("Z")
    assert by_name["Next"]["status"] == "scheduled" and by_name["Next"]["started_at"] is None
    assert by_name["Next"]["incident_updates"][0]["body"] == "Next: planned work."
    assert by_name["Next"]["shortlink"].endswith(f"/status#maintenance-{maintenances['next'].id}")
    done = client.get(by_name["Done"]["shortlink"].split("localhost", 1)[1]).get_data(as_text=True)
    assert f'id="maintenance-{maintenances["done"].id}"' in done  # its month on the history pages

    upcoming = _get(client, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert [m["name"] for m in upcoming] == ["Next", "Far"] and {m["status"] for m in upcoming} == {"scheduled"}
    [active] = _get(client, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert active["name"] == "Active" and active["status"] == "in_progress"
    assert active["components"][0]["id"] == "database" and active["components"][0]["status"] == "under_maintenance"

    summary = _get(client, "summary.json")
    assert [m["name"] for m in summary["scheduled_maintenances"]] == ["Active", "Next", "Far"]
    assert {c["id"]: c["status"] for c in _get(client, "components.json")["components"]}["database"] == \
        "under_maintenance"
