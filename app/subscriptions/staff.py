"""Support staff and status subscriptions: unsubscribe someone who asks by email, turn a disabled
webhook back on once its owner fixed the endpoint, and see how each notification went out.

Every action audits with the staff member as actor. Neither the webhook's signing secret nor the
confirmation nonce ever leaves this module's answers, and a webhook is named by its host only: its
URL may carry a token of the receiver's.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import case, func, select

from app.common import audit
from app.common.errors import Conflict, NotFound
from app.common.redact import redact_text
from app.extensions import db
from app.models import DeliveryStatus, StatusEvent, StatusNotification, StatusSubscriber
from app.models.types import utcnow


def webhook_host(subscriber: StatusSubscriber) -> str | None:
    """host[:port] of the webhook, without path, query or credentials (they may hold a token)."""
    if not subscriber.webhook_url:
        return None
    parts = urlsplit(subscriber.webhook_url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "?"
    return f"{host}:{port}" if port else host


def _load(subscriber_id: int) -> StatusSubscriber:
    row = db.session.get(StatusSubscriber, subscriber_id)
    if row is None:
        raise NotFound(f"Subscriber {subscriber_id} does not exist (it may have been pruned).")
    return row


def _details(row: StatusSubscriber) -> dict:
    return {"kind": row.kind, "email": row.email, "webhook_host": webhook_host(row)}


def unsubscribe(subscriber_id: int, actor_id: int) -> StatusSubscriber:
    """What the person's own unsubscribe link does, for someone who asked support instead."""
    row = _load(subscriber_id)
    if row.unsubscribed_at is not None:
        raise Conflict(f"{row.email} is already unsubscribed.", code="already_unsubscribed")
    row.unsubscribed_at = utcnow()
    audit.record("status.subscriber_unsubscribed_by_staff", actor_id=actor_id, target_type="status_subscriber",
                 target_id=row.id, details=_details(row))
    db.session.commit()
    return row


def reenable(subscriber_id: int, actor_id: int) -> StatusSubscriber:
    """A webhook turned off after repeated failures gets the next notification again. The failure
    count starts over (so it is turned off again, and its contact told again, if it keeps failing);
    the last error stays on the row until a delivery succeeds."""
    row = _load(subscriber_id)
    if row.state != "disabled":
        raise Conflict(f"Subscriber {row.id} is {row.state}, not a turned-off webhook; nothing to re-enable.",
                       code="not_disabled")
    failures = row.consecutive_failures
    row.disabled_at = row.disabled_emailed_at = None
    row.consecutive_failures = 0
    audit.record("status.webhook_reenabled", actor_id=actor_id, target_type="status_subscriber", target_id=row.id,
                 details={**_details(row), "failures_before": failures, "last_error": redact_text(row.last_error)})
    db.session.commit()
    return row


UNCERTAIN = "uncertain"  # `sending` past its lease: the job died mid-send; it may or may not have arrived


def delivery_counts(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """{event id: {sent, failed, sending, skipped, uncertain}} in one query (zeros included). `uncertain`
    rows are `sending` ones whose lease ran out; the sweep sends them again (same Message-ID)."""
    counts = {event_id: {str(s): 0 for s in DeliveryStatus} | {UNCERTAIN: 0} for event_id in event_ids}
    if not event_ids:
        return counts
    lapsed = (StatusNotification.status == DeliveryStatus.SENDING) & (StatusNotification.lease_until < utcnow())
    label = case((lapsed, UNCERTAIN), else_=StatusNotification.status)
    rows = db.session.execute(
        select(StatusNotification.event_id, label, func.count())
        .where(StatusNotification.event_id.in_(event_ids))
        .group_by(StatusNotification.event_id, label))
    for event_id, status, count in rows:
        counts[event_id][status] = count
    return counts


def has_failed_deliveries():
    """SQL condition on StatusEvent: at least one delivery of it failed (for the console's filter)."""
    return select(StatusNotification.id).where(StatusNotification.event_id == StatusEvent.id,
                                               StatusNotification.status == DeliveryStatus.FAILED).exists()
