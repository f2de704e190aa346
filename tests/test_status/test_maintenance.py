"""Scheduled maintenance: staff schedule it (API and console), it moves through its states by the
clock, and while it runs the page says "under maintenance" instead of down, on every surface."""
import re
from datetime import timedelta

from sqlalchemy import select

from app.common.iso import iso
from app.extensions import db
from app.models import AuditLog, ScheduledMaintenance
from app.models.types import utcnow
from app.status import cache, maintenance


def _post(client, token, path, body):
    return client.post(path, json=body, headers={"X-CSRFToken": token})


def _window(start_minutes: int, length_minutes: int = 60, **extra) -> dict:
    now = utcnow()
    return {"title": "Database upgrade", "message": "PostgreSQL 16.", "components": ["database"],
            "starts_at": iso(now + timedelta(minutes=start_minutes)),
            "ends_at": iso(now + timedelta(minutes=start_minutes + length_minutes))} | extra


def test_admin_schedules_through_the_api_and_bad_input_changes_nothing(client, admin, user, login):
    token = login(user)
    assert _post(client, token, "/api/admin/maintenances", _window(60)).status_code == 403
    client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    token = login(admin)
    for body, field in [(_window(60, title=""), "title"), (_window(60, components=["kitchen"]), "components"),
                        (_window(60, ends_at="tomorrow"), "ends_at"), (_window(60, length_minutes=-5), "ends_at"),
                        (_window(60, length_minutes=8 * 24 * 60), "ends_at"), (_window(-120), "ends_at")]:
        res = _post(client, token, "/api/admin/maintenances", body)
        assert res.status_code == 422 and field in res.get_json()["fields"], (body, res.get_json())
    assert db.session.scalar(select(db.func.count(ScheduledMaintenance.id))) == 0

    res = _post(client, token, "/api/admin/maintenances", _window(60))
    assert res.status_code == 201
    item = res.get_json()["maintenance"]
    assert item["status"] == "scheduled" and item["components"] == ["database"]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "maintenance.scheduled")).one()
    assert audit.actor_id == admin.id and audit.target_id == str(item["id"])
    assert client.post("/api/admin/maintenances", json=_window(60)).status_code in (400, 403)  # no CSRF token


def test_states_follow_the_clock_and_staff_can_cancel_or_complete_early(client, admin, login):
    token = login(admin)
    first = _post(client, token, "/api/admin/maintenances", _window(60)).get_json()["maintenance"]
    second = _post(client, token, "/api/admin/maintenances", _window(90)).get_json()["maintenance"]
    assert _post(client, token, f"/api/admin/maintenances/{first['id']}/complete", {}).status_code == 409
    assert _post(client, token, f"/api/admin/maintenances/{second['id']}/cancel", {}).get_json()[
        "maintenance"]["status"] == "canceled"

    row = db.session.get(ScheduledMaintenance, first["id"])
    row.starts_at = utcnow() - timedelta(minutes=1)  # an hour later
    db.session.commit()
    assert maintenance.advance() == {"started": 1, "completed": 0}
    assert db.session.get(ScheduledMaintenance, first["id"]).status == "in_progress"
    assert _post(client, token, f"/api/admin/maintenances/{first['id']}/cancel", {}).status_code == 409
    assert _post(client, token, f"/api/admin/maintenances/{first['id']}",
                 _window(30)).get_json()["error"] == "maintenance_started"
    done = _post(client, token, f"/api/admin/maintenances/{first['id']}/complete", {}).get_json()["maintenance"]
    assert done["status"] == "completed" and done["ended_at"]
    assert maintenance.advance() == {"started": 0, "completed": 0}  # idempotent
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.target_type == "maintenance")))
    assert {"maintenance.scheduled", "maintenance.canceled", "maintenance.started", "maintenance.completed"} <= actions


def test_work_in_progress_reads_under_maintenance_everywhere(client, admin, login, add_snapshot):
    add_snapshot(utcnow(), database="down")  # the upgrade takes the database down, as planned
    token = login(admin)
    item = _post(client, token, "/api/admin/maintenances", _window(5, title="Database upgrade")).get_json()
    upcoming = _post(client, token, "/api/admin/maintenances", _window(3 * 24 * 60, title="Edge certificates"))
    assert upcoming.status_code == 201
    row = db.session.get(ScheduledMaintenance, item["maintenance"]["id"])
    row.starts_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    cache.invalidate()

    body = client.get("/api/status").get_json()
    assert body["overall"] == "up" and body["components"]["database"] == "down"  # measured, shown as is
    assert body["declared"]["database"] == "maintenance"
    assert [m["title"] for m in body["maintenance"]["active"]] == ["Database upgrade"]
    assert [m["title"] for m in body["maintenance"]["upcoming"]] == ["Edge certificates"]
    v2 = client.get("/api/v2/summary.json").get_json()
    assert {c["id"]: c["status"] for c in v2["components"]}["database"] == "under_maintenance"
    assert v2["status"] == {"indicator": "maintenance", "description": "Service Under Maintenance"}

    html = client.get("/status").get_data(as_text=True)
    assert re.search(r'id="overall-status"[^>]*>Service Under Maintenance<', html)
    database = html.split('id="component-database"', 1)[1].split("</li>", 1)[0]
    assert "Under maintenance" in database
    assert 'id="maintenance-' in html and "Edge certificates" in html
    for path in ("/signin", "/pricing", "/status"):
        page = client.get(path).get_data(as_text=True)
        assert "Under maintenance:" in page and "Database upgrade" in page, path


def test_console_schedules_through_the_same_service(client, admin, login):
    login(admin)
    form = client.get("/admin/maintenance/new/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    start = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")
    res = client.post("/admin/maintenance/new/", data={"csrf_token": token, "title": "Queue migration",
                                                       "components": ["workflows"], "starts_at": start,
                                                       "ends_at": end, "message": ""})
    assert res.status_code == 302, res.get_data(as_text=True)[:1500]
    item = db.session.scalars(select(ScheduledMaintenance)).one()
    assert item.components == ["workflows"] and item.created_by_id == admin.id
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "maintenance.scheduled")).one()
    bad = client.post("/admin/maintenance/new/", data={"csrf_token": token, "title": "Backwards",
                                                       "starts_at": end, "ends_at": start})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Ends at must be after starts at." in page and "ends_at:" not in page
    assert db.session.scalar(select(db.func.count(ScheduledMaintenance.id))) == 1


def test_console_form_offers_all_five_components_by_name(client, admin, login):
    from app.models.status import COMPONENT_NAMES

    login(admin)
    form = client.get("/admin/maintenance/new/").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="components".*?</select>', form, re.S).group(0)
    assert "multiple" in select_html.split(">", 1)[0] and 'data-role="select2"' in select_html
    assert re.findall(r'<option value="([^"]+)">([^<]+)</option>', select_html) == list(COMPONENT_NAMES.items())
    assert "Starts at (UTC)" in form and "Ends at (UTC)" in form
