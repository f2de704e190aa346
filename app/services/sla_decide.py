"""Staff decisions on SLA claims: approve with an amount (optionally as a Stripe credit note) or reject
with notes. The user is emailed the decision through the mail queue, after the decision is committed."""
from __future__ import annotations

import logging

from flask import current_app, render_template
from sqlalchemy import select

from app.extensions import db
from app.models import SlaCreditRequest, User
from app.models.sla import ClaimStatus
from app.models.types import utcnow
from app.services import audit, billing, mailer, money, sla_fee, tasks
from app.services.errors import Conflict, ServiceError, ValidationFailed
from app.services.sla import get_claim, parse_int

log = logging.getLogger(__name__)
MAX_NOTES = 5000


def _validate(data: dict, period: sla_fee.BillingPeriod) -> dict:
    status = data.get("status")
    fields = {}
    if status not in (ClaimStatus.APPROVED, ClaimStatus.REJECTED):
        raise ValidationFailed('status must be "approved" or "rejected".', fields={"status": "invalid"})
    notes = data.get("notes")
    notes = notes.replace("\x00", "").strip() if isinstance(notes, str) else ""
    if len(notes) > MAX_NOTES:
        fields["notes"] = f"At most {MAX_NOTES} characters."
    amount = None
    if status == ClaimStatus.APPROVED:
        amount = parse_int(data.get("credit_amount"))
        minimum = money.to_minor(current_app.config["SLA_MIN_CREDIT"], period.currency, strict=False) or 1
        if amount is None or amount <= 0:
            fields["credit_amount"] = ("Enter a credit above 0, a whole number in the currency's minor unit "
                                       "(cents for USD, yen for JPY).")
        elif amount < minimum:
            fields["credit_amount"] = (f"Below the minimum credit of {money.format_amount(minimum, period.currency)}"
                                       " (SLA_MIN_CREDIT): reject the claim with a note instead.")
        elif amount > period.charge:
            fields["credit_amount"] = ("At most the billing period's charge: "
                                       f"{money.format_amount(period.charge, period.currency)}.")
    elif not notes:
        fields["notes"] = "Say why the claim is rejected; the user reads this."
    stripe_ref = data.get("stripe_ref")
    stripe_ref = stripe_ref.replace("\x00", "").strip() if isinstance(stripe_ref, str) else ""
    if len(stripe_ref) > 255:
        fields["stripe_ref"] = "At most 255 characters."
    if fields:
        raise ValidationFailed("The decision needs a few fixes.", fields=fields)
    create_note = data.get("create_credit_note") in (True, "1", "true", "on", "yes")
    return {"status": status, "notes": notes or None, "amount": amount, "stripe_ref": stripe_ref or None,
            "create_note": create_note and status == ClaimStatus.APPROVED}


def claim_period(claim: SlaCreditRequest) -> sla_fee.BillingPeriod:
    period = sla_fee.period_of(claim)
    if period is None:
        raise Conflict(f"{claim.ticket_id} has no billing period: measure it again first.", code="no_billing_period")
    return period


def decide_claim(claim_id: int, actor: User, data: dict) -> SlaCreditRequest:
    get_claim(claim_id)  # 404 before anything else
    # Lock the claim so two staff members deciding at once cannot both win.
    db.session.execute(select(SlaCreditRequest.id).where(SlaCreditRequest.id == claim_id).with_for_update())
    claim = get_claim(claim_id)
    db.session.refresh(claim)
    if not claim.is_pending():
        db.session.rollback()
        raise Conflict(f"{claim.ticket_id} was already {claim.status}.", code="not_pending")
    period = claim_period(claim)
    decision = _validate(data, period)
    stripe_ref = decision["stripe_ref"]
    if decision["create_note"]:
        stripe_ref = _create_credit_note(claim, decision["amount"], period)

    currency = claim.subscription.currency if claim.subscription else claim.currency
    if decision["status"] == ClaimStatus.APPROVED:
        claim.approve(actor.id, decision["amount"], currency, decision["notes"], utcnow())
    else:
        claim.reject(actor.id, decision["notes"], utcnow())
    claim.stripe_ref = stripe_ref
    audit.record("sla.decided", actor_id=actor.id, target_user_id=claim.user_id, target_type="sla_credit_request",
                 target_id=claim.id, details={"ticket_id": claim.ticket_id, "status": claim.status,
                                              "credit_amount": claim.credit_amount, "currency": claim.currency,
                                              "stripe_ref": stripe_ref, "period_charge": period.charge,
                                              "stripe_credit_note": decision["create_note"]})
    db.session.commit()
    notify_user(claim)
    return claim


def _create_credit_note(claim: SlaCreditRequest, amount: int, period: sla_fee.BillingPeriod) -> str:
    if not billing.stripe_configured():
        raise Conflict("Stripe is not configured: create the credit by hand and paste its reference.",
                       code="stripe_not_configured")
    invoice = period.stripe_invoice_id
    if not invoice:
        raise Conflict("No Stripe invoice covers this period: create the credit by hand and paste its reference.",
                       code="no_stripe_invoice")
    try:
        return billing.create_credit_note(
            invoice, amount, idempotency_key=f"levqor-sla-credit-{claim.id}",
            metadata={"sla_claim_id": claim.id, "ticket_id": claim.ticket_id},
            memo=f"SLA credit {claim.ticket_id}")
    except Exception as exc:  # stripe errors, timeouts: nothing is recorded, staff can retry
        db.session.rollback()
        log.warning("stripe credit note for %s failed: %s", claim.ticket_id, exc)
        raise ServiceError(f"Stripe refused the credit note: {exc}", code="stripe_failed", status=502) from None


def notify_user(claim: SlaCreditRequest) -> None:
    """Queue the decision email by claim id; the job renders it when it sends, so no address or body
    waits in Redis (nor in RQ's failed registry)."""
    if claim.user is None:
        return
    try:
        tasks.enqueue("mail.sla_decision", claim.id)
    except Exception:  # the decision stands; the log tells ops to resend
        log.exception("could not enqueue the decision email for %s", claim.ticket_id)


def send_decision_email(claim_id: int) -> bool:
    """Render and send the decision email of a decided claim (the mail job's body)."""
    claim = db.session.get(SlaCreditRequest, claim_id)
    if claim is None or claim.user is None or claim.is_pending():
        return False
    subject = f"Your SLA credit request {claim.ticket_id} was {claim.status}"
    context = {"claim": claim, "subject": subject, "base_url": current_app.config["PUBLIC_BASE_URL"],
               "amount": money.format_amount(claim.credit_amount, claim.currency)}
    text = render_template("mail/sla_decision.txt", **context)
    html = render_template("mail/sla_decision.html", **context)
    mailer.send_mail(claim.user.email, subject, text, html)
    return True

