"""Status page subscriptions, no account needed: subscribe, confirm (double opt-in), unsubscribe.

The answer to a subscription request is the same whatever the address's state (new, pending,
confirmed), so the form cannot be used to learn who subscribes; what differs goes by email, to the
address's owner. Confirmation mails are throttled per address (silently: a 429 would tell a stranger
that somebody just asked for it) and the API is throttled per client by Flask-Limiter.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from limits import parse_many
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.common import audit, i18n, tasks
from app.common.errors import NotFound, ServiceError, ValidationFailed
from app.common.mailer import send_template
from app.extensions import db, limiter
from app.models import StatusSubscriber
from app.models.status import COMPONENT_NAMES, COMPONENTS
from app.models.subscribers import WEBHOOK_FORMATS
from app.models.types import utcnow
from app.subscriptions import webhooks

log = logging.getLogger(__name__)
CONFIRM_DAYS = 7
CONFIRM_JOB = "mail.status_confirm"
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
ADDRESS_SCOPE = "status-subscribe-address"


# --- input ----------------------------------------------------------------------------------------

# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def clean(data: dict) -> dict:
    """{email, webhook_url?, components, format} or ValidationFailed naming every bad field."""
    fields: dict[str, str] = {}
    unknown = sorted(set(data) - {"email", "webhook_url", "components", "format"})
    if unknown:
        fields.update({name: "Unknown field." for name in unknown})
    email = data.get("email")
    email = email.strip().lower() if isinstance(email, str) else ""
    if not _EMAIL.fullmatch(email):
        fields["email"] = _l("Enter a valid email address (name@example.com).")
    components = data.get("components") or []
    if not isinstance(components, list) or any(c not in COMPONENTS for c in components):
        fields["components"] = _l("A list among %(components)s (empty or absent: every component).",
                                  components=", ".join(COMPONENTS))
        components = []
    url = data.get("webhook_url")
    if url is not None and not isinstance(url, str):
        fields["webhook_url"] = _l("A URL string.")
    fmt = data.get("format", "statuspage")
    if fmt not in WEBHOOK_FORMATS or (fmt != "statuspage" and url is None):
        fields["format"] = _l("For a webhook, one of: %(formats)s (default statuspage).",
                              formats=", ".join(WEBHOOK_FORMATS))
    if fields:
        raise ValidationFailed(_l("The subscription was not saved."), fields=fields)
    if url is not None:  # checked last: it resolves DNS
        webhooks.resolve(url, current_app.config["STATUS_WEBHOOK_ALLOW_PRIVATE"])
        url = url.strip()
    return {"email": email, "webhook_url": url, "components": [c for c in COMPONENTS if c in components],
            "format": fmt}


# --- tokens ---------------------------------------------------------------------------------------

# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def _confirm_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="status-subscribe-confirm")


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def _unsubscribe_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="status-unsubscribe")


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def unsubscribe_url(subscriber: StatusSubscriber) -> str:
    """Good for as long as the subscription exists: old notifications must still unsubscribe."""
    token = _unsubscribe_signer().dumps([subscriber.id, address_key(subscriber.email)[:12]])
    return f"{current_app.config['PUBLIC_BASE_URL']}/status/unsubscribe/{token}"


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def manage_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="status-manage")


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def manage_url(subscriber: StatusSubscriber) -> str:
    """The page of everything we hold about the address (app/subscriptions/manage.py); no expiry either."""
    token = manage_signer().dumps([subscriber.id, address_key(subscriber.email)[:12]])
    return f"{current_app.config['PUBLIC_BASE_URL']}/status/subscriptions/manage/{token}"


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def confirm_url(subscriber: StatusSubscriber, components: list[str], webhook_format: str = "statuspage") -> str:
    """The link carries the choice (components, payload format): it applies only once confirmed."""
    token = _confirm_signer().dumps([subscriber.id, subscriber.confirm_token, components, webhook_format])
    return f"{current_app.config['PUBLIC_BASE_URL']}/status/subscriptions/confirm/{token}"


# --- subscribe ------------------------------------------------------------------------------------

# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def address_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def _address_allows(email: str) -> bool:
    """Counts a confirmation mail to this address; False once the address had its share."""
    try:
        return all(limiter.limiter.hit(item, ADDRESS_SCOPE, address_key(email))
                   for item in parse_many(current_app.config["STATUS_SUBSCRIBE_PER_ADDRESS"]))
    except Exception:  # the limiter's storage is down: send (the per-client limit still stands)
        log.warning("status subscriptions: rate-limit storage unavailable; address throttle skipped")
        return True


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def _find(email: str, url: str | None) -> StatusSubscriber | None:
    return db.session.scalar(select(StatusSubscriber).where(
        StatusSubscriber.email == email, func.coalesce(StatusSubscriber.webhook_url, "") == (url or "")))


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def _find_or_create(email: str, url: str | None, components: list[str]) -> StatusSubscriber:
    found = _find(email, url)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():  # two requests at once: one row, the other finds it
            row = StatusSubscriber(email=email, webhook_url=url, components=components)
            db.session.add(row)
        return row
    except IntegrityError:
        return _find(email, url)


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def request_subscription(data: dict) -> None:
    """Record the wish and mail a confirmation link; the answer never says what was there before."""
    wish = clean(data)
    row = _find_or_create(wish["email"], wish["webhook_url"], wish["components"])
    sending = _address_allows(wish["email"])
    row.locale = i18n.visitor_locale()  # every mail to them is in the language they asked in
    if sending:
        row.confirm_token = secrets.token_hex(16)  # the newest link is the only good one
    audit.record("status.subscription_requested", actor_id=None, target_type="status_subscriber",
                 target_id=row.id,
                 details={"kind": row.kind, "components": wish["components"], "mailed": sending})
    db.session.commit()
    if sending:
        try:
            tasks.enqueue(CONFIRM_JOB, row.id, wish["components"], wish["format"])
        except Exception:  # nothing to recover later: the person is told to ask again
            log.exception("could not enqueue the confirmation mail for status subscriber %s", row.id)
            raise ServiceError(_l("We could not send the confirmation email just now; please try again in a "
                                  "few minutes."), code="unavailable", status=503) from None


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def send_confirmation(subscriber_id: int, components: list[str], webhook_format: str = "statuspage") -> bool:
    """The mail job: a confirmation link (or, for an address already subscribed, a link that applies
    the new choice of components). Renders at send time; nothing personal sits in Redis but the id."""
    row = db.session.get(StatusSubscriber, subscriber_id)
    if row is None or row.confirm_token is None:
        return False
    names = [COMPONENT_NAMES.get(c, c) for c in (components or COMPONENTS)]
    send_template(row.email, _l("Confirm your Levqor status subscription"), "status_confirm", row.locale,
                  subscriber=row,
                  confirm_url=confirm_url(row, components, webhook_format), components=names,
                  already=row.state == "active", manage_url=manage_url(row))
    return True


# --- confirm / unsubscribe ------------------------------------------------------------------------

# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def _load_confirm(token: str) -> tuple[StatusSubscriber, list[str] | None, str | None]:
    """The link's subscriber and the components it applies; components None for a used link of a
    subscription that is active (a second click: "you are already subscribed", nothing changes)."""
    try:
        subscriber_id, nonce, components, *rest = _confirm_signer().loads(token, max_age=CONFIRM_DAYS * 86400)
    except SignatureExpired:
        raise ValidationFailed(_l("This confirmation link has expired; subscribe again for a new one."),
                               code="link_expired", status=410) from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound(_l("This confirmation link is not valid."), code="bad_link") from None
    row = db.session.get(StatusSubscriber, subscriber_id) \
        if isinstance(subscriber_id, int) and 0 < subscriber_id < 2**31 else None
    if row is not None and row.state == "active" and row.confirm_token is None:
        return row, None, None
    if row is None or not isinstance(nonce, str) or not secrets.compare_digest(nonce, row.confirm_token or ""):
        raise ValidationFailed(_l("This link was already used, or a newer one was sent; use the newest email."),
                               code="link_used", status=410)
    fmt = rest[0] if rest and rest[0] in WEBHOOK_FORMATS else None  # links mailed before formats: keep it
    return row, [c for c in COMPONENTS if c in (components or [])], fmt


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def check_confirm_link(token: str) -> tuple[StatusSubscriber, bool]:
    """(subscriber, already subscribed through this link)."""
    row, components, _format = _load_confirm(token)
    return row, components is None


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def confirm(token: str) -> tuple[StatusSubscriber, str | None]:
    """Applies the link's choice; returns the subscriber and, for a webhook, its new signing secret
    (shown once, on the page that confirms it: we never show or send it again)."""
    row, components, fmt = _load_confirm(token)
    if components is None:  # already subscribed: a second click changes nothing
        return row, None
    secret = None
    now = utcnow()
    row.components, row.confirm_token = components, None
    row.confirmed_at = row.confirmed_at if row.state == "active" else now
    row.unsubscribed_at = row.disabled_at = row.disabled_emailed_at = None
    row.consecutive_failures = 0
    if row.webhook_url:
        secret = row.webhook_secret = webhooks.new_secret()
        row.webhook_format = fmt or row.webhook_format or "statuspage"
    audit.record("status.subscription_confirmed", actor_id=None, target_type="status_subscriber",
                 target_id=row.id, details={"kind": row.kind, "components": components,
                          **({"format": row.webhook_format} if row.webhook_url else {})})
    db.session.commit()
    return row, secret


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def load_unsubscribe(token: str) -> StatusSubscriber | None:
    """The link's subscriber; None when our own link outlived its (deleted) subscription."""
    try:
        subscriber_id, key = _unsubscribe_signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound(_l("This unsubscribe link is not valid."), code="bad_link") from None
    if not isinstance(subscriber_id, int) or not 0 < subscriber_id < 2**31:
        raise NotFound(_l("This unsubscribe link is not valid."), code="bad_link")
    row = db.session.get(StatusSubscriber, subscriber_id)
    if row is not None and key != address_key(row.email)[:12]:
        raise NotFound(_l("This unsubscribe link is not valid."), code="bad_link")
    return row


# The answer to every subscription asked for, whatever the address's state (the API's, and the status page's).
ACCEPTED = _l("If this address can be subscribed, a confirmation email is on its way. Nothing is sent before you "
              "confirm.")


def unsubscribe(token: str) -> StatusSubscriber | None:
    """One click, no sign-in (RFC 8058); repeating it is harmless."""
    row = load_unsubscribe(token)
    if row is not None and row.unsubscribed_at is None:
        row.unsubscribed_at = utcnow()
        audit.record("status.unsubscribed", actor_id=None, target_type="status_subscriber", target_id=row.id,
                     details={"kind": row.kind})
        db.session.commit()
    return row
