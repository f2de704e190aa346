"""Issue 24, point 4 (maintenance that can be updated and extended): while a window runs staff post
in_progress → verifying → completed, each with a message (API and console); an overrunning window is
extended and subscribers are told the new end; the banner shows on /status, /signin and /pricing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.common.iso import iso
from app.extensions import db
from app.models import AuditLog, MaintenanceUpdate, ScheduledMaintenance
from app.models.types import utcnow
from app.status import cache, maintenance
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import confirm_from_mail, csrf_from


def _running(title="Database upgrade", minutes_left=30) -> ScheduledMaintenance:
    now = utcnow()
    item = maintenance.schedule({"title": title, "message": "Writes pause.", "components": ["database"],
                                 "starts_at": iso(now + timedelta(minutes=1)),
                                 "ends_at": iso(now + timedelta(minutes=minutes_left))}, None)
    item.starts_at = now - timedelta(minutes=10)  # ten minutes later: the work is under way
    db.session.commit()
    maintenance.advance()
    return item


def _updates(client, token, item_id, body):
    return client.post(f"/api/admin/maintenances/{item_id}/updates", json=body, headers={"X-CSRFToken": token})


def test_staff_move_a_running_window_through_its_states_with_messages(client, admin, login):
    token = login(admin)
    item = _running()
    res = _updates(client, token, item.id, {"status": "verifying", "message": "Upgrade done; checking replicas."})
    assert res.status_code == 201
    body = res.get_json()
    assert body["maintenance"]["status"] == "verifying"
    assert body["update"]["message"] == "Upgrade done; checking replicas."
    v2 = client.get("/api/v2/scheduled-maintenances/active.json").get_json()["scheduled_maintenances"]
    assert v2[0]["status"] == "verifying"
    assert v2[0]["incident_updates"][0]["body"] == "Upgrade done; checking replicas."
    assert v2[0]["components"][0]["status"] == "under_maintenance"
    for path in ("/status", "/signin", "/pricing"):  # the banner carries staff's latest word
        html = client.get(path).get_data(as_text=True)
        assert "Database upgrade (verifying) — Upgrade done; checking replicas." in html, path

    res = _updates(client, token, item.id, {"status": "completed", "message": "All replicas in step."})
    assert res.status_code == 201 and res.get_json()["maintenance"]["status"] == "completed"
    assert client.get("/api/v2/scheduled-maintenances/active.json").get_json()["scheduled_maintenances"] == []
    assert [u.status for u in db.session.get(ScheduledMaintenance, item.id).updates] == ["completed", "verifying"]
    # Once it is over it takes no more updates; nor does work that has not begun.
    assert _updates(client, token, item.id, {"status": "verifying", "message": "x"}).status_code == 409
    later = maintenance.schedule({"title": "Later", "starts_at": iso(utcnow() + timedelta(hours=2)),
                                  "ends_at": iso(utcnow() + timedelta(hours=3))}, None)
    assert _updates(client, token, later.id, {"status": "in_progress", "message": "x"}).status_code == 409
    assert _updates(client, token, 999999, {"status": "in_progress", "message": "x"}).status_code == 404
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target_type == "maintenance")).all()
    assert "maintenance.update" in actions and "maintenance.completed" in actions


def test_bad_updates_are_refused_per_field_and_change_nothing(client, admin, user, login):
    item = _running()
    token = login(user)
    assert _updates(client, token, item.id, {"status": "verifying", "message": "x"}).status_code == 403
    client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    token = login(admin)
    for body, field in [({"status": "done", "message": "x"}, "status"), ({"status": "verifying"}, "message"),
                        ({"status": "verifying", "message": "x", "ends_at": "soon"}, "ends_at"),
                        ({"status": "verifying", "message": "x", "ends_at": iso(item.ends_at - timedelta(minutes=5))},
                         "ends_at"),
                        ({"status": "verifying", "message": "x", "ends_at": iso(item.starts_at + timedelta(days=8))},
                         "ends_at"),
                        ({"status": "completed", "message": "x", "ends_at": iso(item.ends_at + timedelta(hours=1))},
                         "ends_at"),
                        ({"status": "verifying", "message": "x", "colour": "red"}, "colour")]:
        res = _updates(client, token, item.id, body)
        assert res.status_code == 422 and field in res.get_json()["fields"], (body, res.get_json())
    assert client.post(f"/api/admin/maintenances/{item.id}/updates",
                       json={"status": "verifying", "message": "x"}).status_code in (400, 403)  # no CSRF token
    db.session.expire_all()
    fresh = db.session.get(ScheduledMaintenance, item.id)
    assert fresh.status == "in_progress" and iso(fresh.ends_at) == iso(item.ends_at)
    assert db.session.scalar(select(func.count(MaintenanceUpdate.id))) == 0


def test_an_overrunning_window_is_extended_and_subscribers_told_the_new_end(
        client, admin, login, subscribe, smtp, drain_queues):
    confirm_from_mail(client, subscribe(client, email="reader@example.com"))
    item = _running(minutes_left=5)
    drain_queues()
    token = login(admin)
    new_end = (utcnow() + timedelta(hours=2)).replace(second=0, microsecond=0)
    res = _updates(client, token, item.id, {"status": "in_progress", "message": "The index rebuild is slower.",
                                            "ends_at": iso(new_end)})
    assert res.status_code == 201 and res.get_json()["maintenance"]["ends_at"] == iso(new_end)
    drain_queues()
    [mail] = [m for m in smtp.wait_for(4) if "Maintenance extended" in m["subject"]]
    text = mail_parts(mail["message"])[0]
    assert mail["to"] == ["reader@example.com"] and "The index rebuild is slower." in text
    assert new_end.strftime("%Y-%m-%d %H:%M") in text
    # After the old end the work still reads "under maintenance", not completed by the clock.
    assert maintenance.advance(utcnow() + timedelta(minutes=30)) == {"started": 0, "completed": 0}
    assert [m.id for m in maintenance.active(utcnow() + timedelta(minutes=30))] == [item.id]


def test_the_banner_shows_on_status_signin_and_pricing_while_it_runs(client):
    item = _running(title="Stripe webhook migration")
    cache.invalidate()
    for path in ("/status", "/signin", "/pricing"):
        html = client.get(path).get_data(as_text=True)
        assert "Stripe webhook migration" in html, path
    maintenance.complete(item.id, None)
    for path in ("/signin", "/pricing"):
        assert "Stripe webhook migration" not in client.get(path).get_data(as_text=True), path


def test_console_posts_updates_and_extends_with_labels(client, admin, login):
    login(admin)
    item = _running()
    page = client.get(f"/admin/maintenance/edit/?id={item.id}")
    html = page.get_data(as_text=True)
    assert "Post an update" in html and "Extend to (UTC)" in html
    token = csrf_from(html)
    res = client.post(f"/admin/maintenance/{item.id}/updates", data={
        "csrf_token": token, "status": "verifying", "message": "Checking replicas.", "ends_at": ""},
        follow_redirects=True)
    assert "Update posted" in res.get_data(as_text=True)
    assert db.session.get(ScheduledMaintenance, item.id).status == "verifying"
    earlier = (item.ends_at - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    res = client.post(f"/admin/maintenance/{item.id}/updates", data={
        "csrf_token": token, "status": "in_progress", "message": "Shorter?", "ends_at": earlier},
        follow_redirects=True)
    assert "Extend to must be later than the current end" in res.get_data(as_text=True)
    assert len(db.session.get(ScheduledMaintenance, item.id).updates) == 1
