"""Disputes: the customer disagrees with a decision (a rejection, or an amount) and a second staff member
decides again (four eyes).

Rules (docs/sla-credits.md):
- Only the claim's owner disputes it (anyone else gets 404), only a decided claim (409 `not_decided`), once
  (409 `already_disputed`), within SLA_DISPUTE_DAYS of the decision (409 `dispute_window_closed`).
- The dispute is decided by a staff member other than the one who made the first decision (403
  `four_eyes_required`); only an open dispute (409 `dispute_not_open`); the claim row is locked, so of two
  staff deciding at once one wins and the other gets 409.
- `upheld`: the first decision stands. `revised`: `credit_amount` is the claim's new total credit, above what
  was credited and within what is left of the billing period's charge (the same cap as a decision); the
  claim's credit_amount then holds the total and the difference is credited once (dispute.credit_*).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.common import audit, i18n, inputs, tasks
from app.common.errors import Conflict, NotFound, ServiceError, ValidationFailed
from app.extensions import db
from app.models import SlaCreditRequest, SlaDispute, User
from app.models.sla import ClaimStatus, CreditState
from app.models.sla_thread import DisputeStatus
from app.models.types import utcnow
from app.sla import attachments, credit, periods, recorded, staff
from app.sla.claims import get_claim

MAX_TEXT = 5000
MAIL_JOB = "mail.sla_dispute"


def _text(data: dict, name: str, missing: str) -> str:
    value = inputs.text_field(data, name, MAX_TEXT)
    inputs.check_text(value, name)
    if not value:
        raise ValidationFailed(missing, fields={name: missing})
    return value


def own_claim(user: User, claim_id: int) -> SlaCreditRequest:
    """The user's own claim; anyone else's is 404, the same answer as a claim that does not exist."""
    claim = get_claim(claim_id)
    if claim.user_id != user.id:
        raise NotFound(_l("No such SLA credit request."))
    return claim


def open_dispute(user: User, claim_id: int, data: dict, upload=None) -> SlaCreditRequest:
    own_claim(user, claim_id)
    reason = _text(data, "reason", _l("Say why you disagree with the decision."))
    attachment = None
    if upload is not None and getattr(upload, "filename", ""):
        attachment = attachments.check(upload.filename, upload.stream)
    claim = staff.locked(claim_id)
    if claim.is_pending():
        raise _refuse(_l("%(ticket)s is not decided yet: there is nothing to dispute.", ticket=claim.ticket_id),
                      "not_decided")
    if claim.dispute is not None:
        raise _refuse(_l("%(ticket)s was already disputed; a claim is disputed once.", ticket=claim.ticket_id),
                      "already_disputed")
    if utcnow() > dispute_closes(claim):
        raise _refuse(_l("Decisions can be disputed within %(days)s days; %(ticket)s was decided on %(day)s.",
                         days=current_app.config["SLA_DISPUTE_DAYS"], ticket=claim.ticket_id,
                         day=i18n.later(i18n.fmt_date, claim.decided_at, "ymd")), "dispute_window_closed")
    key = attachments.store(attachment) if attachment else None
    try:
        dispute = SlaDispute(claim_id=claim.id, user_id=claim.user_id, reason=reason,
                             first_credit_amount=claim.credit_amount if claim.is_approved() else 0,
                             attachment_key=key, attachment_name=attachment.name if attachment else None)
        db.session.add(dispute)
        db.session.flush()
        audit.record("sla.disputed", on=claim, actor_id=user.id,
                     details={"ticket_id": claim.ticket_id, "dispute_id": dispute.id, "attachment": bool(key)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        attachments.discard(key)
        raise
    return claim


def dispute_closes(claim: SlaCreditRequest):
    """When the decision can no longer be disputed (None while pending)."""
    if claim.decided_at is None:
        return None
    return claim.decided_at + timedelta(days=current_app.config["SLA_DISPUTE_DAYS"])


def can_dispute(claim: SlaCreditRequest) -> bool:
    return claim.dispute is None and not claim.is_pending() and claim.decided_at is not None \
        and utcnow() <= dispute_closes(claim)


def _refuse(message: str, code: str) -> Conflict:
    db.session.rollback()
    return Conflict(message, code=code)


def _validate(data: dict, claim: SlaCreditRequest, period: periods.BillingPeriod | None, credited: int) -> dict:
    outcome = data.get("outcome")
    fields = {}
    if outcome not in (DisputeStatus.UPHELD, DisputeStatus.REVISED):
        fields["outcome"] = 'One of "upheld", "revised".'
    try:
        notes = _text(data, "notes", "Say why; the customer reads this.")
    except ValidationFailed as exc:
        fields.update(exc.fields)
        notes = ""
    total = method = None
    if outcome == DisputeStatus.REVISED:
        before = claim.credit_amount if claim.is_approved() else 0
        total, problem = staff.check_amount(data.get("credit_amount"), staff.required(claim, period), credited)
        if problem is None and total <= (before or 0):
            problem = "The revised total must be above what was already credited on this claim."
        if problem:
            fields["credit_amount"] = problem
        method = credit.parse_method(data)
        if method is None:
            fields["credit_method"] = 'One of "balance", "credit_note", "manual".'
    if fields:
        db.session.rollback()
        raise ValidationFailed("The dispute decision needs a few fixes.", fields=fields)
    return {"outcome": DisputeStatus(outcome), "notes": notes, "total": total, "method": method,
            "stripe_ref": inputs.text_field(data, "stripe_ref", 255) or None}


def decide_dispute(claim_id: int, actor: User, data: dict) -> SlaCreditRequest:
    claim = staff.locked(claim_id)
    dispute = claim.dispute
    if dispute is None or not dispute.is_open():
        raise _refuse(f"{claim.ticket_id} has no open dispute.", "dispute_not_open")
    if claim.decided_by == actor.id:
        db.session.rollback()
        raise ServiceError("A dispute is decided by someone other than the staff member who made the first "
                           "decision.", code="four_eyes_required", status=403)
    period = periods.period_of(claim)
    credited = staff.credited_elsewhere(claim, period) if period else 0
    decision = _validate(data, claim, period, credited)
    dispute.decide(decision["outcome"], actor.id, decision["notes"], utcnow())
    if decision["outcome"] == DisputeStatus.REVISED:
        dispute.credit_difference = decision["total"] - (dispute.first_credit_amount or 0)
        dispute.credit_method, dispute.stripe_ref = decision["method"], decision["stripe_ref"]
        dispute.credit_state = CreditState.PENDING.value
        claim.status, claim.credit_amount = ClaimStatus.APPROVED.value, decision["total"]
        claim.currency = claim.currency or period.currency
    audit.record("sla.dispute_decided", on=claim, actor_id=actor.id,
                 details={"ticket_id": claim.ticket_id, "outcome": dispute.status, "credit_amount": claim.credit_amount,
                          "credit_difference": dispute.credit_difference, "credited_before": credited})
    attempt, claim_id = recorded.attempt_of_dispute(claim, dispute), claim.id  # read before the commit expires them
    db.session.commit()  # the outcome stands whatever Stripe says next
    try:
        if attempt.credits:
            _credit(claim, dispute, actor, period, attempt)
        tasks.try_enqueue(MAIL_JOB, claim_id, key=(claim_id,))
    except Exception as exc:
        answer = recorded.after_commit(exc, attempt)
        if answer is None:
            raise
        raise answer from exc
    return claim


def _credit(claim: SlaCreditRequest, dispute: SlaDispute, actor: User, period,
            attempt: recorded.Attempt | None = None) -> None:
    credit.issue_difference(claim, dispute, period)
    if attempt is not None:
        attempt.credited(dispute.stripe_ref, dispute.credit_error, dispute.credit_difference)
    audit.record(f"sla.dispute_credit_{dispute.credit_state}", on=claim, actor_id=actor.id,
                 details={"ticket_id": claim.ticket_id, "amount": dispute.credit_difference,
                          "credit_method": dispute.credit_method, "stripe_ref": dispute.stripe_ref,
                          "error": dispute.credit_error})
    db.session.commit()


def retry_credit(claim_id: int, actor: User, data: dict) -> SlaCreditRequest:
    """Try the pending difference of a revised dispute again (same key: a credit Stripe made is replayed)."""
    claim = staff.locked(claim_id)
    dispute = claim.dispute
    if dispute is None or dispute.credit_state != CreditState.PENDING:
        raise _refuse(f"{claim.ticket_id} has no pending dispute credit.", "credit_not_pending")
    if data.get("credit_method") or data.get("stripe_ref"):
        method = credit.parse_method(data)
        if method is None:
            db.session.rollback()
            raise ValidationFailed("The retry needs a fix.",
                                   fields={"credit_method": 'One of "balance", "credit_note", "manual".'})
        dispute.credit_method = method
        dispute.stripe_ref = inputs.text_field(data, "stripe_ref", 255) or dispute.stripe_ref
    _credit(claim, dispute, actor, periods.period_of(claim))
    if dispute.credit_state == CreditState.ISSUED:
        tasks.try_enqueue(MAIL_JOB, claim.id, key=None)  # the customer was told it was on its way
    return claim


def open_first() -> list[SlaCreditRequest]:
    """Claims with an open dispute, oldest dispute first: what staff look at before anything else."""
    return list(db.session.scalars(
        select(SlaCreditRequest).join(SlaDispute, SlaDispute.claim_id == SlaCreditRequest.id)
        .where(SlaDispute.status == DisputeStatus.OPEN.value).order_by(SlaDispute.opened_at, SlaDispute.id)).unique())
