"""Mails of the dispute workflow, rendered when they are sent (jobs take ids): the dispute's outcome to the
customer, and each thread message to the other side. Each records when it went out, so the sweeper
(`sweep`) can queue what a Redis outage kept from being queued."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.common import i18n, mailer, money, tasks
from app.extensions import db
from app.models import SlaClaimMessage, SlaCreditRequest, SlaDispute, User
from app.models.sla import CreditState
from app.models.sla_thread import DisputeStatus, MessageSide
from app.models.types import utcnow
from app.sla import disputes, staff, thread


def _send(to: str, template: str, subject, locale: str | None = None, **context) -> None:
    """`subject` and the amounts are callables or lazy strings: made in the recipient's language."""
    with i18n.in_locale(locale):
        subject = str(subject)
        context = {k: v() if callable(v) else v for k, v in context.items()}
        context.update(subject=subject, base_url=current_app.config["PUBLIC_BASE_URL"])
        text, html = (render_template(f"mail/{template}.txt", **context),
                      render_template(f"mail/{template}.html", **context))
    mailer.send_mail(to, subject, text, html)


def send_dispute_outcome(claim_id: int) -> bool:
    claim = db.session.get(SlaCreditRequest, claim_id)
    dispute = claim.dispute if claim is not None else None
    if dispute is None or dispute.is_open() or claim.user is None:
        return False
    fmt = money.format_amount
    _send(claim.user.email, "sla_dispute", _l("Your dispute of %(ticket)s was %(status)s", ticket=claim.ticket_id,
                                              status=i18n.lazy(dispute.status)), claim.user.locale,
          claim=claim, dispute=dispute, revised=dispute.status == DisputeStatus.REVISED,
          total=(lambda: fmt(claim.credit_amount, claim.currency)) if claim.credit_amount else None,
          difference=(lambda: fmt(dispute.credit_difference, claim.currency)) if dispute.credit_difference else None,
          applied=dispute.credit_state == CreditState.ISSUED)
    dispute.emailed_at = utcnow()
    db.session.commit()
    return True


def recipient(message: SlaClaimMessage) -> str | None:
    """The other side: the customer for a staff message; for a customer message, the staff member who
    decided the claim (the dispute's decider once there is one), else SUPPORT_EMAIL."""
    claim = message.claim
    if message.side == MessageSide.SUPPORT:
        return claim.user.email if claim.user else None
    decider_id = (claim.dispute.decided_by if claim.dispute else None) or claim.decided_by
    decider = db.session.get(User, decider_id) if decider_id else None
    return decider.email if decider else current_app.config["SUPPORT_EMAIL"]


def send_message(message_id: int) -> bool:
    message = db.session.get(SlaClaimMessage, message_id)
    if message is None or message.emailed_at is not None:
        return False
    to = recipient(message)
    if to:
        to_customer = message.side == MessageSide.SUPPORT
        subject = (_l("New message on your SLA claim %(ticket)s", ticket=message.claim.ticket_id) if to_customer
                   else f"Customer message on {message.claim.ticket_id}")  # to staff: English, like the console
        locale = message.claim.user.locale if to_customer and message.claim.user else None
        _send(to, "sla_message", subject, locale, message=message, claim=message.claim, to_customer=to_customer)
    message.emailed_at = utcnow()
    db.session.commit()
    return True


def sweep(now: datetime | None = None) -> int:
    """Decision emails, dispute outcomes and thread messages that were never emailed and have no job."""
    now = now or utcnow()
    decided = db.session.scalars(select(SlaDispute.claim_id).where(
        SlaDispute.status != DisputeStatus.OPEN.value, SlaDispute.emailed_at.is_(None),
        SlaDispute.decided_at < now - timedelta(minutes=1))).all()
    outcomes = sum(tasks.enqueue_unless_present(disputes.MAIL_JOB, cid, key=(cid,)) for cid in decided)
    return staff.sweep_decision_emails(now) + outcomes + thread.sweep_unsent(now)
