"""The erasure mails: scheduled (with the date and how to cancel), held (with staff's reason), and the
final one to the old address. Mail jobs take the request id and render at send time; each goes out
once (its column is set only after the relay accepted it)."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.common import audit
from app.common.mailer import send_template
from app.extensions import db
from app.models import ErasureRequest, User
from app.models.erasure import ErasureStatus
from app.models.types import utcnow

SCHEDULED_SUBJECT = _l("Your Levqor account is scheduled for erasure")
HELD_SUBJECT = _l("The erasure of your Levqor account is on hold")
FINAL_SUBJECT = _l("Your Levqor account has been erased")


def _page_url() -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/data-requests"


def send_scheduled(erasure_id: int) -> bool:
    erasure = ErasureRequest.locked(erasure_id)
    if erasure is None or erasure.status != ErasureStatus.SCHEDULED or erasure.scheduled_emailed_at:
        db.session.commit()
        return False
    user = db.session.get(User, erasure.user_id)
    send_template(user.email, SCHEDULED_SUBJECT, "erasure_scheduled", user.locale, erasure=erasure, user=user,
                  page_url=_page_url())
    erasure.scheduled_emailed_at = utcnow()
    audit.record("dsar.erasure_scheduled_emailed", on=erasure)
    db.session.commit()
    return True


def send_held(erasure_id: int) -> bool:
    erasure = ErasureRequest.locked(erasure_id)
    if erasure is None or erasure.status != ErasureStatus.HELD:
        db.session.commit()
        return False
    user = db.session.get(User, erasure.user_id)
    send_template(user.email, HELD_SUBJECT, "erasure_held", user.locale, erasure=erasure, user=user,
                  page_url=_page_url())
    audit.record("dsar.erasure_held_emailed", on=erasure)
    db.session.commit()
    return True


def send_final(erasure_id: int) -> bool:
    """To the address the account had; the address is forgotten once the relay accepted the mail."""
    erasure = ErasureRequest.locked(erasure_id)
    if erasure is None or erasure.status != ErasureStatus.COMPLETED or not erasure.notify_email:
        db.session.commit()
        return False
    user = db.session.get(User, erasure.user_id)  # the anonymised shell keeps the language, nothing personal
    send_template(erasure.notify_email, FINAL_SUBJECT, "erasure_final", user.locale if user else None,
                  erasure=erasure)
    erasure.notify_email, erasure.final_emailed_at = None, utcnow()
    audit.record("dsar.erasure_final_emailed", on=erasure)
    db.session.commit()
    return True
