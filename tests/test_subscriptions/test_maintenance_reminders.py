"""Issue 24, point 4 (reminders): subscribers get one reminder before planned work starts
(`STATUS_MAINTENANCE_REMINDER_MINUTES`), however often the job runs; real mail through aiosmtpd."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.common.iso import iso
from app.extensions import db
from app.models import AuditLog, StatusEvent
from app.models.types import utcnow
from app.status import maintenance, maintenance_reminders
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import confirm_from_mail


def _window(starts_in: timedelta, title="Database upgrade") -> dict:
    start = utcnow() + starts_in
    return {"title": title, "message": "Writes pause for a few minutes.", "components": ["database"],
            "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=1))}


def _reminders(smtp) -> list:
    return [m for m in smtp.messages if "Maintenance reminder" in m["subject"]]


def test_one_reminder_however_often_the_job_runs(client, subscribe, smtp, drain_queues, configure):
    configure(STATUS_MAINTENANCE_REMINDER_MINUTES=60)
    confirm_from_mail(client, subscribe(client, email="reader@example.com"))
    item = maintenance.schedule(_window(timedelta(hours=3)), None)
    drain_queues()
    assert maintenance_reminders.send_due() == {"reminded": []}  # three hours ahead: not yet

    due = item.starts_at - timedelta(minutes=45)
    assert maintenance_reminders.send_due(due) == {"reminded": [item.id]}
    assert maintenance_reminders.send_due(due) == {"reminded": []}  # the job run twice
    assert maintenance_reminders.send_due(due + timedelta(minutes=1)) == {"reminded": []}
    drain_queues()
    smtp.wait_for(3)  # confirmation, the announcement, the reminder
    [reminder] = _reminders(smtp)
    assert reminder["to"] == ["reader@example.com"] and "Database upgrade" in reminder["subject"]
    assert "Writes pause for a few minutes." in mail_parts(reminder["message"])[0]
    assert db.session.scalar(select(func.count(StatusEvent.id)).where(StatusEvent.kind == "maintenance.reminder")) == 1
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "maintenance.reminder")) == 1


def test_a_new_start_time_rearms_the_reminder_and_late_notice_gets_none(app, configure):
    configure(STATUS_MAINTENANCE_REMINDER_MINUTES=60)
    item = maintenance.schedule(_window(timedelta(hours=3)), None)
    assert maintenance_reminders.send_due(item.starts_at - timedelta(minutes=30))["reminded"] == [item.id]
    maintenance.update(item.id, _window(timedelta(hours=5)), None)  # postponed by two hours
    db.session.refresh(item)
    assert item.reminded_at is None
    assert maintenance_reminders.send_due(item.starts_at - timedelta(minutes=30))["reminded"] == [item.id]

    soon = maintenance.schedule(_window(timedelta(minutes=20), title="Hotfix"), None)
    assert soon.id not in maintenance_reminders.send_due()["reminded"]  # its announcement was the notice
