"""Incidents drive the headline: /status, /api/status and Statuspage's v2 indicator agree on the
worse of what was measured and what staff declared, and go back to the measured state on resolve. An
incident update may set each affected component's status; that holds until a later update or the
resolution changes it."""
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
    assert _three_views(client)[:3] == ("All Systems Operational", "up", "All Systems Operational")

    incident = Incident(title="Primary database failover", status="investigating", impact="critical",
                        components=["database"], message="Writes are failing.", started_at=utcnow())
    db.session.add(incident)
    db.session.commit()
    incidents.after_change(incident)
    headline, overall, description, api = _three_views(client)
    assert (headline, overall, description) == ("Major Service Outage", "down", "Major Service Outage")
    assert api["components"]["database"] == "up"  # measured, shown next to what was declared
    assert api["declared"]["database"] == "down" and api["declared"]["api"] is None
    html = client.get("/status").get_data(as_text=True)
    card = html.split('id="component-database"', 1)[1].split("</li>", 1)[0]
    assert 'data-status="major_outage"' in card and ">Major outage<" in card and "Reported by our team" in card
    summary = client.get("/api/v2/summary.json").get_json()
    assert {c["id"]: c["status"] for c in summary["components"]}["database"] == "major_outage"

    incident.status = "resolved"
    incident.resolved_at = utcnow()
    db.session.commit()
    incidents.after_change(incident)
    assert _three_views(client)[:3] == ("All Systems Operational", "up", "All Systems Operational")


def test_minor_incident_without_components_degrades_the_whole_service(client, add_snapshot):
    add_snapshot(utcnow())
    db.session.add(Incident(title="Slow dashboards", status="identified", impact="minor", components=[],
                            started_at=utcnow()))
    db.session.commit()
    incidents.after_change()
    headline, overall, description, api = _three_views(client)
    assert (headline, overall, description) == ("Minor Service Outage", "degraded", "Minor Service Outage")
    assert set(api["declared"].values()) == {"degraded"}


def test_measured_outage_is_not_hidden_by_a_minor_incident(client, add_snapshot):
    add_snapshot(utcnow(), api="down")
    db.session.add(Incident(title="API errors", status="investigating", impact="minor", components=["api"],
                            started_at=utcnow()))
    db.session.commit()
    incidents.after_change()
    headline, overall, description, _ = _three_views(client)
    assert (headline, overall, description) == ("Partial System Outage", "down", "Partial System Outage")


def _card(client, component):
    html = client.get("/status").get_data(as_text=True)
    return html.split(f'id="component-{component}"', 1)[1].split("</li>", 1)[0]


def test_an_update_sets_each_component_status_everywhere_until_the_next_one(client, admin, login, add_snapshot):
    add_snapshot(utcnow())  # everything measured up
    token = login(admin)
    headers = {"X-CSRFToken": token}
    res = client.post("/api/admin/incidents", headers=headers, json={
        "title": "runs delayed", "impact": "minor", "components": ["api", "workflows"],
        "message": "Runs start late.", "status": "investigating"})
    incident_id = res.get_json()["incident"]["id"]
    assert 'data-status="degraded_performance"' in _card(client, "api")  # the impact, before any mapping

    res = client.post(f"/api/admin/incidents/{incident_id}/updates", headers=headers, json={
        "status": "identified", "message": "The API is partly down.", "components": {"api": "partial_outage"}})
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["update"]["components"] == {"api": "partial_outage"}
    card = _card(client, "api")
    assert ">Partial outage<" in card and "Reported by our team" in card
    assert ">Degraded performance<" in _card(client, "workflows")  # not named: still the impact
    assert ">Operational<" in _card(client, "database") and "Measured" in _card(client, "database")
    api = client.get("/api/status").get_json()
    assert api["declared"]["api"] == "down" and api["components"]["api"] == "up" and api["overall"] == "down"
    summary = client.get("/api/v2/summary.json").get_json()
    assert {c["id"]: c["status"] for c in summary["components"]}["api"] == "partial_outage"
    assert summary["status"]["description"] == "Partial System Outage"
    newest = summary["incidents"][0]["incident_updates"][0]
    assert newest["affected_components"] == [{"code": "api", "name": "API", "new_status": "partial_outage"}]
    assert {c["id"]: c["status"] for c in summary["incidents"][0]["components"]}["api"] == "partial_outage"

    # A later update without a mapping keeps it; one naming the component changes it.
    client.post(f"/api/admin/incidents/{incident_id}/updates", headers=headers,
                json={"status": "monitoring", "message": "A fix is rolling out."})
    assert ">Partial outage<" in _card(client, "api")
    client.post(f"/api/admin/incidents/{incident_id}/updates", headers=headers, json={
        "status": "monitoring", "message": "The API is back.", "components": {"api": "operational"}})
    assert ">Operational<" in _card(client, "api")
    assert client.get("/api/status").get_json()["declared"]["api"] == "up"
    client.post(f"/api/admin/incidents/{incident_id}/updates", headers=headers,
                json={"status": "resolved", "message": "All good."})
    api = client.get("/api/status").get_json()
    assert api["declared"]["api"] is None and api["overall"] == "up"


def test_a_bad_component_mapping_is_refused_and_changes_nothing(client, admin, login, add_snapshot):
    from app.models import IncidentUpdate

    add_snapshot(utcnow())
    token = login(admin)
    headers = {"X-CSRFToken": token}
    incident_id = client.post("/api/admin/incidents", headers=headers, json={
        "title": "API errors", "impact": "major", "components": ["api"], "message": "Errors.",
        "status": "investigating"}).get_json()["incident"]["id"]
    before = db.session.query(IncidentUpdate).count()
    for bad in ({"database": "major_outage"}, {"api": "down"}, ["api"], {"api": "under_maintenance"}):
        res = client.post(f"/api/admin/incidents/{incident_id}/updates", headers=headers,
                          json={"status": "identified", "message": "More.", "components": bad})
        body = res.get_json()
        assert res.status_code == 422 and body["ok"] is False and "components" in body["fields"], bad
    assert db.session.query(IncidentUpdate).count() == before
    assert ">Partial outage<" in _card(client, "api")
