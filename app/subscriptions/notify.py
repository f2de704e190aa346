"""Telling subscribers: the fan-out of one event into batch jobs, the email batches, the webhooks.

Every send is claimed first in status_notifications (unique per event and subscriber) and only the
claimer sends, so a retried job never mails twice. A batch whose relay failed part-way marks those
rows failed and raises: its RQ retry claims only the failed rows again.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.common import audit, tasks
from app.common.bulk_mail import batch
from app.common.mailer import send_template
from app.extensions import db
from app.models import DeliveryStatus, StatusEvent, StatusNotification, StatusSubscriber
from app.models.types import utcnow
from app.subscriptions import content, subscribers, webhooks
from app.subscriptions.subscribers import CONFIRM_DAYS

log = logging.getLogger(__name__)
EMAIL_JOB, WEBHOOK_JOB = "mail.status_notify", "status.webhook"
DISABLED_JOB = "mail.status_webhook_disabled"


class DeliveryFailed(RuntimeError):
    """Raised so RQ retries the job with its back-off."""


def _active():
    return (StatusSubscriber.confirmed_at.is_not(None), StatusSubscriber.unsubscribed_at.is_(None),
            StatusSubscriber.disabled_at.is_(None))


def fanout(event_id: int) -> dict:
    """Split the event's audience into batch jobs (idempotent: job ids are fixed per batch)."""
    event = db.session.get(StatusEvent, event_id)
    if event is None:
        return {"event": event_id, "missing": True}
    rows = db.session.execute(select(StatusSubscriber.id, StatusSubscriber.components, StatusSubscriber.webhook_url)
                              .where(*_active()).order_by(StatusSubscriber.id)).all()
    # An event naming no component concerns everyone; a subscriber of none hears of everything.
    wanted = set(event.components or [])
    audience = [r for r in rows if not r.components or not wanted or wanted & set(r.components)]
    emails = [r.id for r in audience if not r.webhook_url]
    size = current_app.config["STATUS_NOTIFY_BATCH"]
    for start in range(0, len(emails), size):
        chunk = emails[start:start + size]
        tasks.enqueue(EMAIL_JOB, event_id, chunk, job_id=tasks.job_id(EMAIL_JOB, event_id, chunk[0]))
    for r in audience:
        if r.webhook_url:
            tasks.enqueue(WEBHOOK_JOB, event_id, r.id, job_id=tasks.job_id(WEBHOOK_JOB, event_id, r.id))
    event.fanned_out_at, event.recipients = utcnow(), len(audience)
    db.session.commit()
    return {"event": event_id, "emails": len(emails), "webhooks": len(audience) - len(emails)}


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _headers(url: str) -> dict:
    # RFC 8058: mail clients show an unsubscribe button that POSTs to this URL, no sign-in needed.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": "Levqor status <status.levqor>"}


def send_emails(event_id: int, subscriber_ids: list[int]) -> dict:
    """One batch over one SMTP connection; every subscriber is mailed at most once per event."""
    event = db.session.get(StatusEvent, event_id)
    if event is None:
        return {"sent": 0}
    ids = claim(event_id, subscriber_ids)
    subs = {s.id: s for s in db.session.scalars(select(StatusSubscriber).where(StatusSubscriber.id.in_(ids)))}
    message = content.build(event)
    subject = message.pop("subject")
    sent, failed, skipped = [], {}, []
    try:
        with batch() as mails:
            for sid in ids:
                sub = subs.get(sid)
                if sub is None or sub.state != "active":
                    skipped.append(sid)
                    continue
                url = subscribers.unsubscribe_url(sub)
                try:
                    mails.send_template(sub.email, subject, "status_notification", _headers(url),
                                        unsubscribe_url=url, **message)
                    sent.append(sid)
                except Exception as exc:  # this address, or the relay: recorded per row, retried below
                    failed[sid] = _error(exc)
    except Exception as exc:  # no relay to connect to (or it hung up): every claim not settled fails
        failed.update({sid: _error(exc) for sid in ids if sid not in failed and sid not in sent and sid not in skipped})
    mark(event_id, sent, DeliveryStatus.SENT)
    mark(event_id, skipped, DeliveryStatus.SKIPPED)
    for error in set(failed.values()):
        mark(event_id, [sid for sid, e in failed.items() if e == error], DeliveryStatus.FAILED, error)
    if failed:
        raise DeliveryFailed(f"{len(failed)} of {len(ids)} notification mails failed; the retry sends those")
    return {"sent": len(sent), "skipped": len(skipped)}


def deliver_webhook(event_id: int, subscriber_id: int) -> str:
    """POST the event to one webhook, signed; a failure raises so RQ retries with back-off, and the
    subscription is disabled (its contact mailed) after STATUS_WEBHOOK_DISABLE_AFTER failures in a row."""
    event, sub = db.session.get(StatusEvent, event_id), db.session.get(StatusSubscriber, subscriber_id)
    if event is None or sub is None:
        return "missing"
    if not claim(event_id, [subscriber_id], webhook=True):
        return "already delivered"
    if sub.state != "active":
        mark(event_id, [subscriber_id], DeliveryStatus.SKIPPED)
        return "skipped"
    body = json.dumps(content.webhook_payload(event, subscribers.unsubscribe_url(sub), sub.webhook_format)).encode()
    try:
        target = webhooks.resolve(sub.webhook_url, current_app.config["STATUS_WEBHOOK_ALLOW_PRIVATE"])
        code = webhooks.post(target, body, sub.webhook_secret or "", f"evt_{event_id}",
                             current_app.config["STATUS_WEBHOOK_CA_BUNDLE"])
        error = None if 200 <= code < 300 else f"HTTP {code}"
    except Exception as exc:  # refused address, DNS, connection, timeout
        error = _error(exc)
    if error is None:
        sub.consecutive_failures, sub.last_error, sub.last_delivery_at = 0, None, utcnow()
        mark(event_id, [subscriber_id], DeliveryStatus.SENT)
        return "delivered"
    return _webhook_failed(event_id, sub, error)


def _webhook_failed(event_id: int, sub: StatusSubscriber, error: str) -> str:
    sub.consecutive_failures += 1
    sub.last_error = error
    disable = sub.consecutive_failures >= current_app.config["STATUS_WEBHOOK_DISABLE_AFTER"]
    if disable:
        sub.disabled_at = utcnow()
        audit.record("status.webhook_disabled", actor_id=None, target_type="status_subscriber",
                     target_id=sub.id, details={"failures": sub.consecutive_failures, "error": error})
    mark(event_id, [sub.id], DeliveryStatus.FAILED, error)
    if disable:
        # If it is lost, the sweeper finds disabled subscriptions whose contact was never told.
        tasks.try_enqueue(DISABLED_JOB, sub.id, key=(sub.id,))
        return "disabled"
    raise DeliveryFailed(f"webhook {sub.id}: {error}")


def send_disabled_email(subscriber_id: int) -> bool:
    sub = db.session.get(StatusSubscriber, subscriber_id)
    if sub is None or sub.disabled_at is None or sub.disabled_emailed_at is not None:
        return False
    send_template(sub.email, "Your Levqor status webhook was turned off", "status_webhook_disabled",
                  subscriber=sub, status_url=f"{current_app.config['PUBLIC_BASE_URL']}/status",
                  unsubscribe_url=subscribers.unsubscribe_url(sub))
    db.session.execute(update(StatusSubscriber).where(StatusSubscriber.id == sub.id)
                       .values(disabled_emailed_at=utcnow()))
    db.session.commit()
    return True


# --- claims: at most once per (event, subscriber) ---------------------------------------------
# At most once per (event, subscriber): a delivery is claimed before it is sent, and only the job
# that claimed it sends. New rows are inserted as `sending` (a duplicate insert is ignored); a `failed`
# row is taken back to `sending` by a retry. A row left `sending` by a crash is never sent again: a
# missed notification is visible in the console, a duplicate one could not be taken back.

def _insert():
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(StatusNotification)


def claim(event_id: int, subscriber_ids: list[int], webhook: bool = False) -> list[int]:
    """The ids of `subscriber_ids` this caller now holds for the event (committed)."""
    if not subscriber_ids:
        return []
    now = utcnow()
    new = db.session.execute(
        _insert().values([{"event_id": event_id, "subscriber_id": sid, "status": DeliveryStatus.SENDING,
                           "created_at": now} for sid in subscriber_ids])
        .on_conflict_do_nothing(index_elements=["event_id", "subscriber_id"])
        .returning(StatusNotification.subscriber_id)).scalars().all()
    again = db.session.execute(
        update(StatusNotification)
        .where(StatusNotification.event_id == event_id, StatusNotification.subscriber_id.in_(subscriber_ids),
               StatusNotification.status == DeliveryStatus.FAILED)
        .values(status=DeliveryStatus.SENDING).returning(StatusNotification.subscriber_id)).scalars().all()
    db.session.commit()
    held = set(new) | set(again)
    return [sid for sid in subscriber_ids if sid in held]


def mark(event_id: int, subscriber_ids: list[int], status: DeliveryStatus, error: str | None = None) -> None:
    """Record the outcome of claimed sends (and whatever else the session holds) and commit."""
    if subscriber_ids:
        values = {"status": status, "attempts": StatusNotification.attempts + 1, "last_error": error}
        if status == DeliveryStatus.SENT:
            values["sent_at"] = utcnow()
        db.session.execute(update(StatusNotification).where(and_(
            StatusNotification.event_id == event_id, StatusNotification.subscriber_id.in_(subscriber_ids)))
            .values(**values))
    db.session.commit()


# --- housekeeping -------------------------------------------------------------------------------
# Housekeeping for status subscriptions: re-send "your webhook was turned off" mails the queue
# lost, and keep only what is needed: unconfirmed addresses go after the confirmation link expires,
# unsubscribed ones after 30 days, delivery records after 90 days.

UNSUBSCRIBED_KEEP = timedelta(days=30)
DELIVERIES_KEEP = timedelta(days=90)


def sweep() -> dict:
    now = utcnow()
    unsent = db.session.scalars(select(StatusSubscriber.id).where(
        StatusSubscriber.disabled_at.is_not(None), StatusSubscriber.disabled_emailed_at.is_(None),
        StatusSubscriber.disabled_at < now - timedelta(minutes=2))).all()
    resent = sum(tasks.enqueue_unless_present(DISABLED_JOB, sid, key=(sid,)) for sid in unsent)
    pruned = db.session.execute(delete(StatusSubscriber).where(
        # updated_at, not created_at: asking again sends a new link, good for CONFIRM_DAYS from then.
        (StatusSubscriber.confirmed_at.is_(None) & (StatusSubscriber.updated_at < now - timedelta(days=CONFIRM_DAYS)))
        | (StatusSubscriber.unsubscribed_at < now - UNSUBSCRIBED_KEEP))).rowcount
    old = db.session.execute(delete(StatusNotification).where(
        StatusNotification.created_at < now - DELIVERIES_KEEP)).rowcount
    db.session.commit()
    return {"disabled_emails": resent, "subscribers_pruned": pruned, "deliveries_pruned": old}
