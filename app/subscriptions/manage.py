"""A status subscriber's own data (GDPR Art. 15, 17, 20), without an account: every mail we send them
links to a page, opened with a signed token, that shows everything we hold about their address (each
subscription, its components, its webhook's host and its deliveries), downloads it as JSON and deletes
it all at once.

The token names one subscription and the address it was for; the page covers every subscription under
that address (an email subscription and any webhooks with it as their contact). Like an unsubscribe link
it does not expire: an old notification must still lead to the data. Once the data is deleted, the
token finds nothing (a new subscription gets a new id)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature
from sqlalchemy import delete, func, select

from app.common import audit
from app.common.errors import NotFound
from app.common.redact import redact_text
from app.extensions import db
from app.models import StatusEvent, StatusNotification, StatusSubscriber
from app.models.status import COMPONENT_NAMES
from app.models.types import utcnow
from app.subscriptions.staff import webhook_host
from app.subscriptions.subscribers import address_key, manage_signer, manage_url  # noqa: F401 (manage_url: here too)

DELIVERIES_SHOWN = 100  # per subscription on the page; the JSON download has them all
NOT_INCLUDED = ("webhook_secret", "confirm_token")  # access secrets, listed in the download's `not_included`


def load(token: str) -> list[StatusSubscriber]:
    """Every subscription under the token's address, oldest first; [] once they were deleted."""
    try:
        subscriber_id, key = manage_signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound(_l("This link is not valid."), code="bad_link") from None
    if not isinstance(subscriber_id, int) or not 0 < subscriber_id < 2**31 or not isinstance(key, str):
        raise NotFound(_l("This link is not valid."), code="bad_link")
    row = db.session.get(StatusSubscriber, subscriber_id)
    if row is None:
        return []
    if key != address_key(row.email)[:12]:
        raise NotFound(_l("This link is not valid."), code="bad_link")
    return list(db.session.scalars(select(StatusSubscriber).where(StatusSubscriber.email == row.email)
                                   .order_by(StatusSubscriber.id)))


def _deliveries(subscriber_id: int, limit: int | None) -> list[dict]:
    stmt = (select(StatusNotification.created_at, StatusNotification.sent_at, StatusNotification.status,
                   StatusNotification.attempts, StatusNotification.last_error, StatusEvent.kind)
            .join(StatusEvent, StatusEvent.id == StatusNotification.event_id)
            .where(StatusNotification.subscriber_id == subscriber_id).order_by(StatusNotification.id.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return [{"about": row.kind, "status": row.status, "attempts": row.attempts, "created_at": row.created_at,
             "sent_at": row.sent_at, "last_error": redact_text(row.last_error)} for row in db.session.execute(stmt)]


def held(rows: list[StatusSubscriber], *, all_deliveries: bool = False) -> dict:
    """Everything we hold about the address: for the page (the newest deliveries) or the download (all)."""
    subscriptions = []
    for row in rows:
        total = db.session.scalar(select(func.count()).select_from(StatusNotification)
                                  .where(StatusNotification.subscriber_id == row.id))
        subscriptions.append({
            "id": row.id, "kind": row.kind, "state": row.state, "components": list(row.components or []),
            "component_names": [COMPONENT_NAMES.get(c, c) for c in row.components or []],
            "webhook_url": row.webhook_url, "webhook_host": webhook_host(row),
            "webhook_format": row.webhook_format if row.webhook_url else None,
            "created_at": row.created_at, "confirmed_at": row.confirmed_at, "unsubscribed_at": row.unsubscribed_at,
            "disabled_at": row.disabled_at, "last_delivery_at": row.last_delivery_at,
            "consecutive_failures": row.consecutive_failures, "last_error": redact_text(row.last_error),
            "deliveries_total": total,
            "deliveries": _deliveries(row.id, None if all_deliveries else DELIVERIES_SHOWN)})
    return {"email": rows[0].email if rows else None, "generated_at": utcnow().replace(microsecond=0),
            "subscriptions": subscriptions, "not_included": list(NOT_INCLUDED)}


def delete_all(token: str) -> int:
    """Delete every subscription under the address and their delivery records; audited without the
    address (the audit row must not keep what was just erased). Returns how many subscriptions went."""
    rows = load(token)
    if not rows:
        return 0
    ids = [row.id for row in rows]
    deliveries = db.session.execute(delete(StatusNotification).where(StatusNotification.subscriber_id.in_(ids)))
    db.session.execute(delete(StatusSubscriber).where(StatusSubscriber.id.in_(ids)))
    audit.record("status.subscriber_data_deleted", actor_id=None, target_type="status_subscriber",
                 target_id=ids[0], details={"subscriptions": len(ids), "deliveries": deliveries.rowcount})
    db.session.commit()
    return len(ids)
