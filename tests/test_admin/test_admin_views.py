import re

from app.extensions import db
from app.models import AuditLog, Incident


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_users_view_never_shows_password_hashes_or_tokens(client, admin, user, login):
    user.api_token = "tok_canary_never_shown"
    db.session.commit()
    login(admin)
    for path in ("/admin/users/", f"/admin/users/details/?id={user.id}", f"/admin/users/edit/?id={user.id}"):
        res = client.get(path)
        html = res.get_data(as_text=True)
        assert res.status_code == 200 and (user.email in html or f'value="{user.name}"' in html), path
        assert "$argon2" not in html and "password_hash" not in html.lower(), path
        assert "tok_canary_never_shown" not in html, path


def test_admin_creates_updates_and_resolves_an_incident(client, admin, login):
    login(admin)
    token = csrf_from(client.get("/admin/incidents/new/").get_data(as_text=True))
    res = client.post("/admin/incidents/new/", data={
        "csrf_token": token, "title": "Exports delayed", "status": "investigating", "impact": "major",
        "components": ["workflows"], "message": "Exports are queued longer than usual.",
    })
    assert res.status_code == 302
    incident = db.session.scalars(db.select(Incident)).one()
    assert incident.components == ["workflows"] and incident.resolved_at is None
    assert "Exports delayed" in client.get("/pricing").get_data(as_text=True)  # banner

    token = csrf_from(client.get(f"/admin/incidents/edit/?id={incident.id}").get_data(as_text=True))
    res = client.post(f"/admin/incidents/edit/?id={incident.id}", data={
        "csrf_token": token, "title": "Exports delayed", "status": "resolved", "impact": "major",
        "components": ["workflows"], "message": "Queues drained.",
    })
    assert res.status_code == 302
    db.session.refresh(incident)
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert [u.status for u in incident.updates] == ["resolved", "investigating"]
    actions = [a.action for a in db.session.scalars(db.select(AuditLog).order_by(AuditLog.id))]
    assert actions.count("incident.created") == 1 and actions.count("incident.updated") == 1


def test_incident_form_without_csrf_changes_nothing(client, admin, login):
    login(admin)
    res = client.post("/admin/incidents/new/", data={"title": "x", "status": "investigating", "impact": "minor",
                                                      "message": "m"})
    assert res.status_code in (200, 400)
    assert db.session.scalar(db.select(db.func.count(Incident.id))) == 0


def test_audit_log_is_read_only_and_filterable(client, admin, user, login, make_user):
    other = make_user("other@example.com", "other-password")
    from app.common import audit

    audit.record("dsar.requested", actor_id=user.id, target_user_id=user.id, commit=True)
    audit.record("dsar.requested", actor_id=other.id, target_user_id=other.id, commit=True)
    login(admin)
    assert client.get("/admin/audit/new/").status_code in (302, 403, 404)
    assert client.post("/admin/audit/delete/", data={"id": "1"}).status_code in (302, 400, 403, 404, 405)
    assert db.session.scalar(db.select(db.func.count(AuditLog.id))) >= 2

    listing = client.get("/admin/audit/").get_data(as_text=True)
    # Flask-Admin names filters flt<N>_<index>; find the "Actor email" filter index from its JS config.
    index = _filter_index(listing, "Actor email")
    html = client.get(f"/admin/audit/?flt0_{index}=OTHER@example.com").get_data(as_text=True)
    assert "other@example.com" in html
    assert "user@example.com" not in html


def _filter_index(html: str, label: str) -> int:
    import json

    data = json.loads(re.search(r'id="filter-groups-data"[^>]*>(.*?)</', html, re.S).group(1).strip())
    for group, entries in data.items():
        if group == label:
            return entries[0]["index"]
    raise AssertionError(f"no filter {label}: {list(data)}")
