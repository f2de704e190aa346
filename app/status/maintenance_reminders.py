"""Reminders to subscribers before planned work starts (`STATUS_MAINTENANCE_REMINDER_MINUTES`, default 60).

A periodic job calls `send_due`. Each window is reminded at most once: the reminder is claimed by one
conditional UPDATE (`reminded_at IS NULL`) in the same transaction as its outbox event, so two runs at
once, or a run repeated after a crash, announce it once. Work announced inside the reminder period gets
no reminder (the announcement itself is one); moving the start re-arms it (`maintenance.update`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.common import audit
from app.extensions import db
from app.models import MaintenanceStatus, ScheduledMaintenance
from app.models.types import utcnow
from app.status import events

KIND = "maintenance.reminder"


def send_due(now: datetime | None = None) -> dict:
    """Remind the subscribers of every window starting within the reminder period; idempotent."""
    now = now or utcnow()
    ahead = timedelta(minutes=current_app.config["STATUS_MAINTENANCE_REMINDER_MINUTES"])
    rows = db.session.execute(select(ScheduledMaintenance.id, ScheduledMaintenance.starts_at,
                                     ScheduledMaintenance.created_at).where(
        ScheduledMaintenance.status == MaintenanceStatus.SCHEDULED, ScheduledMaintenance.reminded_at.is_(None),
        ScheduledMaintenance.starts_at > now, ScheduledMaintenance.starts_at <= now + ahead)).all()
    due = [r.id for r in rows if r.created_at < r.starts_at - ahead]  # (interval arithmetic differs by dialect)
    reminded = []
    for maintenance_id in due:
        claimed = db.session.execute(update(ScheduledMaintenance).where(
            ScheduledMaintenance.id == maintenance_id, ScheduledMaintenance.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        item = db.session.get(ScheduledMaintenance, maintenance_id)
        events.record(KIND, "maintenance", maintenance_id, item.components)
        audit.record(KIND, actor_id=None, target_type="maintenance", target_id=maintenance_id,
                     details={"title": item.title, "starts_at": item.starts_at.isoformat()})
        db.session.commit()
        reminded.append(maintenance_id)
    db.session.commit()
    if reminded:
        events.dispatch_recorded()
    return {"reminded": reminded}
