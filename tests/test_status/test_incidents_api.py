"""The admin incidents API (SPEC): staff create an incident, post updates and resolve it over JSON; what
users see (banners, /status, the v2 JSON) follows at once; bad input, strangers and missing CSRF
tokens change nothing; every action is audited."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Incident, IncidentUpdate


def _post(client, token, path, body):
    return client.post(path, json=body, headers={"X-CSRFToken": token})


NEW = {"title": "API errors", "impact": "major", "components": ["api", "workflows"],
       "message": "We see errors on the API.", "status": "investigating"}


def _counts():
    return (db.session.scalar(select(func.count(Incident.id))),
            db.session.scalar(select(func.count(IncidentUpdate.id))),
            db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.target_type == "incident")))


def test_create_update_and_resolve_through_the_api(client, admin, login, add_snapshot):
    from app.models.types import utcnow

    add_snapshot(utcnow())
    token = login(admin)
    assert client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"] == []  # now cached
    res = _post(client, token, "/api/admin/incidents", NEW)
    assert res.status_code == 201, res.get_json()
    incident = res.get_json()["incident"]
    assert res.get_json()["ok"] is True
    assert incident["title"] == "API errors" and incident["status"] == "investigating"
    assert incident["impact"] == "major" and incident["components"] == ["api", "workflows"]
    assert incident["resolved_at"] is None and [u["message"] for u in incident["updates"]] == [NEW["message"]]
    status_html = client.get("/status").get_data(as_text=True)
    banner = status_html.split("</section>", 1)[0]
    assert "API errors" in banner and "Investigating" in banner  # the banner, at once
    assert [i["name"] for i in client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]] == \
        ["API errors"]

    res = _post(client, token, f"/api/admin/incidents/{incident['id']}/updates",
                {"status": "identified", "message": "A bad deploy; rolling back."})
    assert res.status_code == 201
    body = res.get_json()
    assert body["update"]["status"] == "identified" and body["update"]["message"] == "A bad deploy; rolling back."
    assert body["incident"]["status"] == "identified" and len(body["incident"]["updates"]) == 2

    res = _post(client, token, f"/api/admin/incidents/{incident['id']}/updates",
                {"status": "resolved", "message": "Rolled back; errors stopped."})
    assert res.status_code == 201
    resolved = res.get_json()["incident"]
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert db.session.get(Incident, incident["id"]).resolved_at is not None
    banner = client.get("/status").get_data(as_text=True).split('<section class="banners"', 1)[1]
    assert "Resolved:" in banner.split("</section>", 1)[0]
    v2 = client.get("/api/v2/incidents.json").get_json()["incidents"][0]
    assert v2["status"] == "resolved" and v2["resolved_at"]
    assert [u["body"] for u in v2["incident_updates"]] == [
        "Rolled back; errors stopped.", "A bad deploy; rolling back.", "We see errors on the API."]
    assert client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"] == []

    again = _post(client, token, f"/api/admin/incidents/{incident['id']}/updates",
                  {"status": "monitoring", "message": "Still watching."})
    assert again.status_code == 409 and again.get_json()["error"] == "incident_resolved"
    assert len(db.session.get(Incident, incident["id"]).updates) == 3

    audit = db.session.scalars(select(AuditLog).where(AuditLog.target_type == "incident")
                               .order_by(AuditLog.id)).all()
    assert [a.action for a in audit] == ["incident.created", "incident.updated", "incident.updated"]
    assert {a.actor_id for a in audit} == {admin.id} and {a.target_id for a in audit} == {str(incident["id"])}
    assert audit[-1].details["status"] == "resolved"


def test_bad_input_is_422_naming_each_field_and_changes_nothing(client, admin, login):
    token = login(admin)
    cases = [
        (NEW | {"title": ""}, {"title"}), (NEW | {"title": "x" * 201}, {"title"}),
        (NEW | {"impact": "catastrophic"}, {"impact"}), (NEW | {"status": "fixed"}, {"status"}),
        (NEW | {"components": ["api", "kitchen"]}, {"components"}), (NEW | {"components": "api"}, {"components"}),
        (NEW | {"message": ""}, {"message"}), (NEW | {"message": "m" * 5001}, {"message"}),
        (NEW | {"severity": "high"}, {"severity"}),
        ({"title": 5, "impact": None, "status": "resolved!", "message": ["x"]},
         {"title", "impact", "status", "message"}),
    ]
    for body, fields in cases:
        res = _post(client, token, "/api/admin/incidents", body)
        data = res.get_json()
        assert res.status_code == 422 and data["ok"] is False and data["error"], body
        assert set(data["fields"]) == fields, (body, data["fields"])
    assert _counts() == (0, 0, 0)
    assert _post(client, token, "/api/admin/incidents", ["not", "an", "object"]).status_code == 400

    incident = _post(client, token, "/api/admin/incidents", NEW).get_json()["incident"]
    before = _counts()
    path = f"/api/admin/incidents/{incident['id']}/updates"
    for body, fields in [({"status": "identified"}, {"message"}), ({"status": "done", "message": "ok"}, {"status"}),
                         ({"status": "identified", "message": "   "}, {"message"}),
                         ({"status": "identified", "message": "ok", "impact": "minor"}, {"impact"})]:
        res = _post(client, token, path, body)
        assert res.status_code == 422 and set(res.get_json()["fields"]) == fields, body
    assert _counts() == before
    assert db.session.get(Incident, incident["id"]).status == "investigating"
    for missing in ("/api/admin/incidents/999999/updates", f"/api/admin/incidents/{2**31}/updates"):
        res = _post(client, token, missing, {"status": "identified", "message": "ok"})
        assert res.status_code == 404 and res.get_json()["ok"] is False
    assert _counts() == before


def test_only_admins_with_a_csrf_token_may_write(client, admin, user, login):
    assert client.post("/api/admin/incidents", json=NEW).status_code in (400, 401, 403)
    token = login(user)
    res = _post(client, token, "/api/admin/incidents", NEW)
    assert res.status_code == 403 and res.get_json()["ok"] is False
    client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    token = login(admin)
    incident = _post(client, token, "/api/admin/incidents", NEW).get_json()["incident"]
    before = _counts()
    assert client.post("/api/admin/incidents", json=NEW).status_code in (400, 403)  # no CSRF token
    res = client.post(f"/api/admin/incidents/{incident['id']}/updates",
                      json={"status": "resolved", "message": "Fixed."})
    assert res.status_code in (400, 403) and res.get_json()["ok"] is False
    assert _post(client, "wrong-token", "/api/admin/incidents", NEW).status_code in (400, 403)
    assert _counts() == before
    client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    res = client.post(f"/api/admin/incidents/{incident['id']}/updates", json={"status": "resolved", "message": "x"})
    assert res.status_code in (400, 401)
    assert db.session.get(Incident, incident["id"]).status == "investigating"
