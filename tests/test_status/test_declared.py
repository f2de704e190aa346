"""Incidents drive the headline: /status, /api/status and Statuspage's v2 indicator agree on the
worse of what was measured and what staff declared, and go back to the measured state on resolve."""
from app.extensions import db
from app.models import Incident
from app.models.types import utcnow
from app.status import incidents


def _three_views(client) -> tuple[str, str, str, dict]:
    html = client.get("/status").get_data(as_text=True)
    headline = html.split('id="overall-status"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    api = client.get("/api/status").get_json()
    v2 = client.get("/api/v2/status.json").get_json()["status"]
    return headline, api["overall"], v2["description"], api


def test_critical_incident_on_the_database_makes_every_view_say_outage(client, add_snapshot):
    add_snapshot(utcnow())  # everything measured up
    assert _three_views(client)[:3] == ("All systems operational", "up", "All Systems Operational")

    incident = Incident(title="Primary database failover", status="investigating", impact="critical",
                        components=["database"], message="Writes are failing.", started_at=utcnow())
    db.session.add(incident)
    db.session.commit()
    incidents.after_change(incident)
    headline, overall, description, api = _three_views(client)
    assert (headline, overall, description) == ("Major outage", "down", "Major Service Outage")
    assert api["components"]["database"] == "up"  # measured, shown next to what was declared
    assert api["declared"]["database"] == "down" and api["declared"]["api"] is None
    html = client.get("/status").get_data(as_text=True)
    assert 'data-declared="down"' in html.split('id="component-database"', 1)[1].split("</li>", 1)[0]
    summary = client.get("/api/v2/summary.json").get_json()
    assert {c["id"]: c["status"] for c in summary["components"]}["database"] == "major_outage"

    incident.status = "resolved"
    incident.resolved_at = utcnow()
    db.session.commit()
    incidents.after_change(incident)
    assert _three_views(client)[:3] == ("All systems operational", "up", "All Systems Operational")


def test_minor_incident_without_components_degrades_the_whole_service(client, add_snapshot):
    add_snapshot(utcnow())
    db.session.add(Incident(title="Slow dashboards", status="identified", impact="minor", components=[],
                            started_at=utcnow()))
    db.session.commit()
    incidents.after_change()
    headline, overall, description, api = _three_views(client)
    assert (headline, overall, description) == ("Degraded performance", "degraded", "Minor Service Outage")
    assert set(api["declared"].values()) == {"degraded"}


def test_measured_outage_is_not_hidden_by_a_minor_incident(client, add_snapshot):
    add_snapshot(utcnow(), api="down")
    db.session.add(Incident(title="API errors", status="investigating", impact="minor", components=["api"],
                            started_at=utcnow()))
    db.session.commit()
    incidents.after_change()
    headline, overall, description, _ = _three_views(client)
    assert (headline, overall, description) == ("Outage", "down", "Partial System Outage")
