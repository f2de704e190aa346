"""Telling subscribers: the fan-out of one event into batch jobs, the email batches, the webhooks.

Every send is claimed first in status_notifications (unique per event and subscriber) and only the
claimer sends, so a retried job never mails twice. A batch whose relay failed part-way marks those
rows failed and raises: its RQ retry claims only the failed rows again.
"""
from __future__ import annotations

import json
import logging
import smtplib
from datetime import timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.common import audit, tasks
from app.common.bulk_mail import batch
from app.common.mailer import send_template
from app.extensions import db
from app.models import DeliveryStatus, StatusEvent, StatusNotification, StatusSubscriber
from app.models.types import utcnow
from app.subscriptions import content, manage, subscribers, webhooks
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
    rows = db.session.execute(select(StatusSubscriber.id, StatusSubscriber.components, StatusSubscriber.webhook_url,
                                     StatusSubscriber.consecutive_failures)
                              .where(*_active()).order_by(StatusSubscriber.id)).all()
    # An event naming no component concerns everyone; a subscriber of none hears of everything.
    wanted = set(event.components or [])
    audience = [r for r in rows if not r.components or not wanted or wanted & set(r.components)]
    emails = [r.id for r in audience if not r.webhook_url]
    size = current_app.config["STATUS_NOTIFY_BATCH"]
    for start in range(0, len(emails), size):
        chunk = emails[start:start + size]
        tasks.enqueue(EMAIL_JOB, event_id, chunk, job_id=tasks.job_id(EMAIL_JOB, event_id, chunk[0]))
    # Emails are on `mail`, taken before `notify`; webhooks that answered last time go first, so an
    # endpoint that is failing (slow, down) costs the others nothing it has not already cost them.
    for r in sorted(audience, key=lambda r: bool(r.consecutive_failures)):
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
    """One batch over one SMTP connection; each message is recorded `sent` as soon as the relay accepted
    it, so a batch killed half-way (SIGKILL, job timeout) leaves at most the message in flight uncertain.
    Only SMTP and socket errors are caught: RQ's job timeout is not swallowed. Messages the batch never
    got to are handed back (`failed`, "not attempted") so the retry takes them at once; the one in flight
    stays `sending` until its lease runs out, then is sent again under the same Message-ID."""
    event = db.session.get(StatusEvent, event_id)
    if event is None:
        return {"sent": 0}
    ids = claim(event_id, subscriber_ids, lease=lease_seconds())
    subs = {s.id: s for s in db.session.scalars(select(StatusSubscriber).where(StatusSubscriber.id.in_(ids)))}
    message = content.build(event)
    subject = message.pop("subject")
    settled, failed, in_flight = {}, 0, None
    try:
        with batch() as mails:
            for sid in ids:
                sub = subs.get(sid)
                if sub is None or sub.state != "active":
                    settled[sid] = mark(event_id, [sid], DeliveryStatus.SKIPPED)
                    continue
                url, in_flight = subscribers.unsubscribe_url(sub), sid
                try:
                    mails.send_template(sub.email, lambda: content.subject_line(message, subject),
                                        "status_notification", _headers(url), locale=sub.locale,
                                        message_id=message_id(event_id, sid, mails.sender),
                                        unsubscribe_url=url, manage_url=manage.manage_url(sub), **message)
                    settled[sid] = mark(event_id, [sid], DeliveryStatus.SENT)
                except (smtplib.SMTPException, OSError) as exc:  # this address, or the relay: retried
                    settled[sid], failed = mark(event_id, [sid], DeliveryStatus.FAILED, _error(exc)), failed + 1
                in_flight = None
    except (smtplib.SMTPException, OSError) as exc:  # no relay to connect to (or it hung up)
        failed += _release(event_id, [sid for sid in ids if sid not in settled], _error(exc))
    finally:  # a job timeout or any other stop: hand back what was never attempted
        db.session.rollback()
        _release(event_id, [sid for sid in ids if sid not in settled and sid != in_flight],
                 "not attempted: the batch stopped before this message")
    if failed:
        raise DeliveryFailed(f"{failed} of {len(ids)} notification mails failed; the retry sends those")
    return {"sent": sum(1 for v in settled.values() if v == DeliveryStatus.SENT),
            "skipped": sum(1 for v in settled.values() if v == DeliveryStatus.SKIPPED)}


def message_id(event_id: int, subscriber_id: int, sender: str) -> str:
    """The same Message-ID on every attempt of one notification: a duplicate after a crash is recognisable."""
    return f"<status-{event_id}-{subscriber_id}@{parseaddr(sender)[1].split('@')[-1] or 'levqor'}>"


def _release(event_id: int, subscriber_ids: list[int], error: str) -> int:
    """Mark claimed rows that are still `sending` failed (not those settled meanwhile); how many."""
    if not subscriber_ids:
        return 0
    rows = db.session.execute(update(StatusNotification).where(
        StatusNotification.event_id == event_id, StatusNotification.subscriber_id.in_(subscriber_ids),
        StatusNotification.status == DeliveryStatus.SENDING)
        .values(status=DeliveryStatus.FAILED, last_error=error, attempts=StatusNotification.attempts + 1)).rowcount
    db.session.commit()
    return rows


def deliver_webhook(event_id: int, subscriber_id: int) -> str:
    """POST the event to one webhook, signed; a failure raises so RQ retries with back-off, and the
    subscription is disabled (its contact mailed) after STATUS_WEBHOOK_DISABLE_AFTER failures in a row."""
    event, sub = db.session.get(StatusEvent, event_id), db.session.get(StatusSubscriber, subscriber_id)
    if event is None or sub is None:
        return "missing"
    if not claim(event_id, [subscriber_id], lease=WEBHOOK_LEASE):
        return "already delivered"
    if sub.state != "active":
        mark(event_id, [subscriber_id], DeliveryStatus.SKIPPED)
        return "skipped"
    body = json.dumps(content.webhook_payload(event, subscribers.unsubscribe_url(sub), sub.webhook_format)).encode()
    try:
        target = webhooks.resolve(sub.webhook_url, current_app.config["STATUS_WEBHOOK_ALLOW_PRIVATE"])
        code = webhooks.post(target, body, sub.webhook_secret or "", f"evt_{event_id}",
                             current_app.config["STATUS_WEBHOOK_CA_BUNDLE"],
                             current_app.config["STATUS_WEBHOOK_TIMEOUT"])
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
    send_template(sub.email, _l("Your Levqor status webhook was turned off"), "status_webhook_disabled", sub.locale,
                  subscriber=sub, status_url=f"{current_app.config['PUBLIC_BASE_URL']}/status",
                  unsubscribe_url=subscribers.unsubscribe_url(sub), manage_url=manage.manage_url(sub))
    db.session.execute(update(StatusSubscriber).where(StatusSubscriber.id == sub.id)
                       .values(disabled_emailed_at=utcnow()))
    db.session.commit()
    return True


# --- claims: one holder per (event, subscriber) at a time ------------------------------------
# A delivery is claimed before it is sent, and only the job that claimed it sends. New rows are inserted
# as `sending` with a lease (a duplicate insert is ignored); a `failed` row, or a `sending` row whose lease
# ran out (its job was killed mid-send), is taken again by a retry or the sweep. The lease outlasts the
# job's timeout, so by then the holder is surely gone: at-least-once, and a duplicate is only ever the
# message that was in flight when the work horse died (same Message-ID, so mail clients can tell).
WEBHOOK_LEASE = 120  # the webhook job's 60 s timeout, and a margin


def lease_seconds() -> int:
    return int(current_app.config["STATUS_NOTIFY_JOB_TIMEOUT"]) + 60


def _insert():
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(StatusNotification)


def claim(event_id: int, subscriber_ids: list[int], lease: int) -> list[int]:
    """The ids of `subscriber_ids` this caller now holds for the event for `lease` seconds (committed)."""
    if not subscriber_ids:
        return []
    now = utcnow()
    until = now + timedelta(seconds=lease)
    new = db.session.execute(
        _insert().values([{"event_id": event_id, "subscriber_id": sid, "status": DeliveryStatus.SENDING,
                           "created_at": now, "lease_until": until} for sid in subscriber_ids])
        .on_conflict_do_nothing(index_elements=["event_id", "subscriber_id"])
        .returning(StatusNotification.subscriber_id)).scalars().all()
    again = db.session.execute(
        update(StatusNotification)
        .where(StatusNotification.event_id == event_id, StatusNotification.subscriber_id.in_(subscriber_ids),
               (StatusNotification.status == DeliveryStatus.FAILED)
               | ((StatusNotification.status == DeliveryStatus.SENDING) & (StatusNotification.lease_until < now)))
        .values(status=DeliveryStatus.SENDING, lease_until=until)
        .returning(StatusNotification.subscriber_id)).scalars().all()
    db.session.commit()
    held = set(new) | set(again)
    return [sid for sid in subscriber_ids if sid in held]


def expired_leases(now=None) -> dict[int, list[tuple[int, bool, int]]]:
    """{event id: [(subscriber id, is a webhook, lease end as epoch seconds)]} of `sending` rows whose
    holder is gone."""
    rows = db.session.execute(
        select(StatusNotification.event_id, StatusNotification.subscriber_id, StatusSubscriber.webhook_url,
               StatusNotification.lease_until)
        .join(StatusSubscriber, StatusSubscriber.id == StatusNotification.subscriber_id)
        .where(StatusNotification.status == DeliveryStatus.SENDING, StatusNotification.lease_until < (now or utcnow()))
        .order_by(StatusNotification.event_id, StatusNotification.subscriber_id)).all()
    found: dict[int, list[tuple[int, bool, int]]] = {}
    for r in rows:
        found.setdefault(r.event_id, []).append((r.subscriber_id, bool(r.webhook_url), int(r.lease_until.timestamp())))
    return found


def resend_expired() -> int:
    """Hand every delivery whose lease ran out to a job again (keyed by the lease, so each lapse is
    handed over once); how many deliveries were handed over."""
    size, handed = current_app.config["STATUS_NOTIFY_BATCH"], 0
    for event_id, rows in expired_leases().items():
        for sid, _hook, stamp in (r for r in rows if r[1]):
            handed += tasks.enqueue_unless_present(WEBHOOK_JOB, event_id, sid, key=(event_id, sid, "lease", stamp))
        mails = [r for r in rows if not r[1]]
        for start in range(0, len(mails), size):
            chunk = mails[start:start + size]
            key = (event_id, chunk[0][0], "lease", max(r[2] for r in chunk))
            if tasks.enqueue_unless_present(EMAIL_JOB, event_id, [r[0] for r in chunk], key=key):
                handed += len(chunk)
    if handed:
        log.warning("status notifications: %d deliveries whose job died mid-send handed over again", handed)
    return handed


def mark(event_id: int, subscriber_ids: list[int], status: DeliveryStatus, error: str | None = None) -> DeliveryStatus:
    """Record the outcome of claimed sends (and whatever else the session holds) and commit."""
    if subscriber_ids:
        values = {"status": status, "attempts": StatusNotification.attempts + 1, "last_error": error}
        if status == DeliveryStatus.SENT:
            values["sent_at"] = utcnow()
        db.session.execute(update(StatusNotification).where(and_(
            StatusNotification.event_id == event_id, StatusNotification.subscriber_id.in_(subscriber_ids)))
            .values(**values))
    db.session.commit()
    return status


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
    handed = resend_expired()
    pruned = db.session.execute(delete(StatusSubscriber).where(
        # updated_at, not created_at: asking again sends a new link, good for CONFIRM_DAYS from then.
        (StatusSubscriber.confirmed_at.is_(None) & (StatusSubscriber.updated_at < now - timedelta(days=CONFIRM_DAYS)))
        | (StatusSubscriber.unsubscribed_at < now - UNSUBSCRIBED_KEEP))).rowcount
    old = db.session.execute(delete(StatusNotification).where(
        StatusNotification.created_at < now - DELIVERIES_KEEP)).rowcount
    db.session.commit()
    return {"disabled_emails": resent, "subscribers_pruned": pruned, "deliveries_pruned": old,
            "deliveries_resent": handed}
