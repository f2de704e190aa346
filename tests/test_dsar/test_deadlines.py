"""Deadline tracking: the one Art. 12(3) extension (API and grid, emailed, audited) and failures told
to the owner by email and shown to staff in the grid's default view."""
from datetime import UTC, datetime, timedelta

import pytest

from app.dsar import emails, exports
from app.extensions import db
from app.models import AuditLog, DsarExport
from tests.test_dsar.helpers import add_export

API = "/api/admin/dsar/exports"


def _text(mail) -> str:
    return mail["message"].get_body(("plain",)).get_content()


def _html(mail) -> str:
    return mail["message"].get_body(("html",)).get_content()


def _actions(export_id) -> list[str]:
    return [a.action for a in AuditLog.query.filter_by(target_type="dsar_export", target_id=str(export_id))
            .order_by(AuditLog.id)]


@pytest.fixture
def open_export(user):
    export = add_export(user.id, "pending", datetime.now(UTC) - timedelta(days=10))
    db.session.commit()
    return export


def test_extend_once_by_two_months_emails_the_owner_and_is_audited(client, login, admin, user, open_export,
                                                                   smtp, drain_queues):
    due = open_export.due_at
    headers = {"X-CSRFToken": login(admin)}
    reason = "Your account holds 14 workflows migrated from our legacy system; we check them by hand."
    res = client.post(f"{API}/{open_export.id}/extend", headers=headers, json={"reason": reason})
    assert res.status_code == 200, res.get_json()
    row = res.get_json()["export"]
    assert row["extended"] is True and row["extension_reason"] == reason and row["due_at"].endswith("Z")
    db.session.expire_all()
    export = db.session.get(DsarExport, open_export.id)
    assert 59 <= (export.due_at - due).days <= 62 and export.due_at.time() == due.time()  # two calendar months
    audit = AuditLog.query.filter_by(action="dsar.extended").one()
    assert (audit.actor_id, audit.target_user_id, audit.details["reason"]) == (admin.id, user.id, reason)

    db.session.commit()  # close this session's savepoint, so the 409's rollback below cannot undo the job
    drain_queues()
    [mail] = smtp.wait_for(1)
    assert mail["to"] == ["user@example.com"] and mail["subject"] == emails.EXTENDED_SUBJECT
    assert f"{export.due_at:%d %B %Y}" in _text(mail) and reason in _text(mail) and reason in _html(mail)

    again = client.post(f"{API}/{open_export.id}/extend", headers=headers, json={"reason": "once more please"})
    assert again.status_code == 409 and again.get_json()["error"] == "already_extended"
    db.session.expire_all()
    assert db.session.get(DsarExport, open_export.id).due_at == export.due_at
    emails.send_extension_email(open_export.id)  # the mail job run twice sends one message
    assert len(smtp.messages) == 1
    assert _actions(open_export.id).count("dsar.extension_emailed") == 1

    listing = client.get(API).get_json()["exports"]
    assert listing[0]["extended"] is True and listing[0]["overdue"] is False


@pytest.mark.parametrize("body, status, error, field", [
    ({}, 422, "invalid", "reason"),
    ({"reason": "   "}, 422, "invalid", "reason"),
    ({"reason": "complex request", "months": 3}, 422, "invalid", "months"),
    ({"reason": "complex request", "months": "2"}, 422, "invalid", "months"),
    ({"reason": "x" * 2001}, 422, "invalid", "reason"),
])
def test_bad_input_is_refused_and_changes_nothing(client, login, admin, open_export, body, status, error, field):
    res = client.post(f"{API}/{open_export.id}/extend", headers={"X-CSRFToken": login(admin)}, json=body)
    assert res.status_code == status and res.get_json()["error"] == error and field in res.get_json()["fields"]
    db.session.expire_all()
    assert db.session.get(DsarExport, open_export.id).extended_at is None
    assert AuditLog.query.filter_by(action="dsar.extended").count() == 0


def test_who_and_what_may_be_extended(client, login, admin, user, open_export):
    path = f"{API}/{open_export.id}/extend"
    assert client.post(path, json={"reason": "complex request"}).status_code == 401
    assert client.post(path, json={"reason": "complex request"},
                       headers={"X-CSRFToken": login(user)}).status_code == 403
    headers = {"X-CSRFToken": login(admin)}
    assert client.post(path, json={"reason": "complex request"}).status_code in (400, 403)  # no CSRF token
    assert client.post(path, data="reason=x", headers=headers).status_code == 400  # not JSON
    assert client.post(f"{API}/999999/extend", json={"reason": "complex request"}, headers=headers).status_code == 404
    ready = add_export(user.id, "ready", datetime.now(UTC) - timedelta(days=2))
    late = add_export(user.id, "pending", datetime.now(UTC) - timedelta(days=31))
    db.session.commit()
    for export, code in ((ready, "already_delivered"), (late, "deadline_passed")):
        res = client.post(f"{API}/{export.id}/extend", json={"reason": "complex request"}, headers=headers)
        assert res.status_code == 409 and res.get_json()["error"] == code
    assert AuditLog.query.filter_by(action="dsar.extended").count() == 0


def test_grid_extends_through_its_form_and_shows_due_extended_and_overdue(client, login, admin, user, smtp,
                                                                          drain_queues):
    now = datetime.now(UTC)
    extendable = add_export(user.id, "running", now - timedelta(days=5))
    overdue = add_export(user.id, "pending", now - timedelta(days=40))
    delivered = add_export(user.id, "ready", now - timedelta(days=1))
    db.session.commit()
    token = login(admin)
    html = client.get("/admin/dsar/").get_data(as_text=True)
    assert f"/admin/dsar/{extendable.id}/extend" in html
    assert f"/admin/dsar/{overdue.id}/extend" not in html and f"/admin/dsar/{delivered.id}/extend" not in html
    assert 'class="badge badge-danger overdue"' in html

    page = client.get(f"/admin/dsar/{extendable.id}/extend").get_data(as_text=True)
    assert "Art. 12(3)" in page and user.email in page
    res = client.post(f"/admin/dsar/{extendable.id}/extend",
                      data={"csrf_token": token, "months": "1", "reason": "Archive restore from cold storage"})
    assert res.status_code == 302
    db.session.expire_all()
    export = db.session.get(DsarExport, extendable.id)
    assert export.extended_at is not None and export.extended_by_id == admin.id
    assert (export.due_at - extendable.requested_at).days in range(58, 63)  # 30 days + one calendar month
    html = client.get("/admin/dsar/").get_data(as_text=True)
    assert 'class="badge badge-info extended" title="Archive restore from cold storage"' in html
    drain_queues()
    assert smtp.wait_for(1)[0]["subject"] == emails.EXTENDED_SUBJECT


def test_grid_form_without_csrf_changes_nothing(client, login, admin, open_export):
    login(admin)
    res = client.post(f"/admin/dsar/{open_export.id}/extend", data={"months": "2", "reason": "complex request"})
    assert res.status_code in (200, 400)
    db.session.expire_all()
    assert db.session.get(DsarExport, open_export.id).extended_at is None


def test_a_final_failure_emails_the_owner_and_shows_in_the_grid(client, login, admin, user, smtp, drain_queues):
    export = add_export(user.id, "running", datetime.now(UTC) - timedelta(hours=3),
                        started_at=datetime.now(UTC) - timedelta(hours=2))
    db.session.commit()
    assert exports.sweep_stuck()["failed"] == 1  # the job died: past its timeout
    drain_queues()
    [mail] = smtp.wait_for(1)
    assert mail["to"] == ["user@example.com"] and mail["subject"] == emails.FAILED_SUBJECT
    text = _text(mail)
    assert "ask again now at http://localhost/data-requests" in text and "reply to this email" in text
    assert 'href="http://localhost/data-requests"' in _html(mail)
    assert emails.send_failure_email(export.id) is False and len(smtp.messages) == 1  # once only
    assert _actions(export.id) == ["dsar.failed", "dsar.failure_emailed"]

    login(admin)
    html = client.get("/admin/dsar/").get_data(as_text=True)
    assert "1 export(s) failed in the last 30 days" in html and f"#{export.id}</a> (user@example.com)" in html


def test_a_lost_failure_mail_is_sent_once_by_the_periodic_sweeper(user, smtp, drain_queues, monkeypatch):
    from app.common import tasks
    from app.models.types import utcnow

    export = add_export(user.id, "running", datetime.now(UTC) - timedelta(hours=3),
                        started_at=datetime.now(UTC) - timedelta(hours=2))
    db.session.commit()
    with monkeypatch.context() as patch:
        patch.setattr(tasks, "enqueue", lambda *a, **k: (_ for _ in ()).throw(ConnectionError("Redis is away")))
        assert exports.sweep_stuck()["failed"] == 1
    db.session.expire_all()
    assert db.session.get(DsarExport, export.id).status == "failed"
    later = utcnow() + timedelta(minutes=2)
    assert emails.sweep_unsent(now=later)["failure_emails"] == 1
    assert emails.sweep_unsent(now=later)["failure_emails"] == 0  # its job exists now
    drain_queues()
    [mail] = smtp.wait_for(1)
    assert mail["subject"] == emails.FAILED_SUBJECT
    db.session.expire_all()
    assert db.session.get(DsarExport, export.id).failure_emailed_at is not None
    assert emails.send_failure_email(export.id) is False  # the job run again sends nothing
    assert len(smtp.messages) == 1 and _actions(export.id).count("dsar.failure_emailed") == 1


def test_the_dsar_mail_sweeper_is_periodic_on_the_default_queue_without_mail_retries(app):
    from app.common import tasks
    from jobs.schedule import PERIODIC_JOBS

    [periodic] = [p for p in PERIODIC_JOBS if p.job == "dsar.sweep_emails"]
    spec = tasks.declared(periodic.job).spec
    assert spec.queue == "default" and spec.retry_intervals == () and periodic.cron == "*/5 * * * *"
