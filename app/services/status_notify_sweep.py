"""Housekeeping for status subscriptions: re-send "your webhook was turned off" mails the queue
lost, and keep only what is needed: unconfirmed addresses go after the confirmation link expires,
unsubscribed ones after 30 days, delivery records after 90 days."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select

from app.extensions import db
from app.models import StatusNotification, StatusSubscriber
from app.models.types import utcnow
from app.services import tasks
from app.services.subscribers import CONFIRM_DAYS

log = logging.getLogger(__name__)
DISABLED_JOB = "mail.status_webhook_disabled"
UNSUBSCRIBED_KEEP = timedelta(days=30)
DELIVERIES_KEEP = timedelta(days=90)


def disabled_job_id(subscriber_id: int) -> str:
    return f"status-webhook-disabled-{subscriber_id}"


def sweep() -> dict:
    now = utcnow()
    unsent = db.session.scalars(select(StatusSubscriber.id).where(
        StatusSubscriber.disabled_at.is_not(None), StatusSubscriber.disabled_emailed_at.is_(None),
        StatusSubscriber.disabled_at < now - timedelta(minutes=2))).all()
    resent = sum(tasks.enqueue_unless_present(DISABLED_JOB, sid, job_id=disabled_job_id(sid)) for sid in unsent)
    pruned = db.session.execute(delete(StatusSubscriber).where(
        # updated_at, not created_at: asking again sends a new link, good for CONFIRM_DAYS from then.
        (StatusSubscriber.confirmed_at.is_(None) & (StatusSubscriber.updated_at < now - timedelta(days=CONFIRM_DAYS)))
        | (StatusSubscriber.unsubscribed_at < now - UNSUBSCRIBED_KEEP))).rowcount
    old = db.session.execute(delete(StatusNotification).where(
        StatusNotification.created_at < now - DELIVERIES_KEEP)).rowcount
    db.session.commit()
    return {"disabled_emails": resent, "subscribers_pruned": pruned, "deliveries_pruned": old}
