"""The message thread on an SLA claim: the customer and staff write on the claim, and each message emails
the other side — the customer, or the staff member who decided the claim, else SUPPORT_EMAIL. The mail job
takes the message id; a message whose job could not be queued (Redis down) is found by the sweeper."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.common import audit, inputs, tasks
from app.common.errors import ValidationFailed
from app.extensions import db
from app.models import SlaClaimMessage, User
from app.models.sla_thread import MessageSide
from app.models.types import utcnow
from app.sla.claims import get_claim

MAX_BODY = 5000
MAIL_JOB = "mail.sla_message"


def _body(data: dict) -> str:
    body = inputs.text_field(data, "body", MAX_BODY)
    inputs.check_text(body, "body")
    if not body:
        raise ValidationFailed(_l("Write a message."), fields={"body": _l("Write a message.")})
    return body


def post(claim_id: int, author: User, data: dict, side: MessageSide) -> SlaClaimMessage:
    """A message on the claim from `side`; the customer side must own the claim (checked by the caller)."""
    claim = get_claim(claim_id)
    body = _body(data)
    message = SlaClaimMessage(claim_id=claim.id, user_id=claim.user_id, author_id=author.id, side=side.value,
                              body=body)
    db.session.add(message)
    db.session.flush()
    audit.record("sla.message_posted", on=claim, actor_id=author.id,
                 details={"ticket_id": claim.ticket_id, "message_id": message.id, "from": side.value,
                          "chars": len(body)})
    db.session.commit()
    tasks.try_enqueue(MAIL_JOB, message.id, key=(message.id,))
    return message


def sweep_unsent(now: datetime | None = None) -> int:
    """Queue the email of messages that were never emailed and have no mail job (a minute's grace)."""
    now = now or utcnow()
    ids = db.session.scalars(select(SlaClaimMessage.id).where(
        SlaClaimMessage.emailed_at.is_(None), SlaClaimMessage.created_at < now - timedelta(minutes=1))).all()
    return sum(tasks.enqueue_unless_present(MAIL_JOB, mid, key=(mid,)) for mid in ids)
