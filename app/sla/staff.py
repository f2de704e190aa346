"""Staff decisions on SLA claims: approve with an amount (made real by sla_credit: a Stripe balance credit,
a credit note, or a reference made by hand) or reject with notes. The decision is committed first, the
credit attempted next, and the user emailed last, so the email tells the credit's real state."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext
from sqlalchemy import select

from app.common import audit, i18n, mailer, money, tasks
from app.common.errors import Conflict, ValidationFailed
from app.common.inputs import INT32_MAX, parse_int
from app.extensions import db
from app.models import SlaCreditRequest, Subscription, User
from app.models.sla import ClaimStatus, CreditState
from app.models.types import utcnow
from app.sla import credit, periods, recorded
from app.sla.claims import get_claim

log = logging.getLogger(__name__)
MAX_NOTES = 5000
MAIL_JOB = "mail.sla_decision"


def _clean(value, limit: int) -> str:
    return value.replace("\x00", "").strip()[:limit + 1] if isinstance(value, str) else ""


def check_amount(raw, period: periods.BillingPeriod, credited: int = 0) -> tuple[int | None, str | None]:
    """(amount, None) or (None, what is wrong): above 0, at least SLA_MIN_CREDIT, at most what is left of the
    period's charge once `credited` (every other credit of the period: claims, disputes, proactive) is taken off."""
    amount = parse_int(raw, -INT32_MAX, INT32_MAX)  # the credit_amount column is a 32-bit integer
    minimum = credit.min_credit(period.currency)
    if amount is None or amount <= 0:
        return None, "Enter a credit above 0, a whole number in the currency's minor unit (cents for USD, yen for JPY)."
    if amount < minimum:
        return None, (f"Below the minimum credit of {money.format_amount(minimum, period.currency)} (SLA_MIN_CREDIT): "
                      "reject the claim with a note instead.")
    if amount > period.charge - credited:
        return None, cap_message(period, credited)
    return amount, None


def cap_message(period: periods.BillingPeriod, credited: int) -> str:
    charge = money.format_amount(period.charge, period.currency)
    if not credited:
        return f"At most the billing period's charge: {charge}."
    left = money.format_amount(max(period.charge - credited, 0), period.currency)
    return (f"At most {left}: the billing period cost {charge} and "
            f"{money.format_amount(credited, period.currency)} of it was already credited.")


def credited_elsewhere(claim: SlaCreditRequest, period: periods.BillingPeriod) -> int:
    """What the claim's billing period has credited on other claims, with the subscription locked, so two
    decisions on one period at once cannot together pass its charge."""
    if claim.subscription_id is None:
        return 0
    db.session.execute(select(Subscription.id).where(Subscription.id == claim.subscription_id).with_for_update())
    return periods.already_credited(claim.subscription_id, period, exclude_claim_id=claim.id)


def _validate(data: dict, period: periods.BillingPeriod, credited: int) -> dict:
    status = data.get("status")
    if status not in (ClaimStatus.APPROVED, ClaimStatus.REJECTED):
        raise ValidationFailed('status must be "approved" or "rejected".', fields={"status": "invalid"})
    fields = {}
    notes, stripe_ref = _clean(data.get("notes"), MAX_NOTES), _clean(data.get("stripe_ref"), 255)
    if len(notes) > MAX_NOTES:
        fields["notes"] = f"At most {MAX_NOTES} characters."
    if len(stripe_ref) > 255:
        fields["stripe_ref"] = "At most 255 characters."
    amount = method = None
    if status == ClaimStatus.APPROVED:
        amount, problem = check_amount(data.get("credit_amount"), period, credited)
        if problem:
            fields["credit_amount"] = problem
        method = credit.parse_method(data)
        if method is None:
            fields["credit_method"] = 'One of "balance", "credit_note", "manual".'
    elif not notes:
        fields["notes"] = "Say why the claim is rejected; the user reads this."
    if fields:
        raise ValidationFailed("The decision needs a few fixes.", fields=fields)
    return {"status": status, "notes": notes or None, "amount": amount, "stripe_ref": stripe_ref or None,
            "method": method}


def required(claim: SlaCreditRequest, period: periods.BillingPeriod | None) -> periods.BillingPeriod:
    """The period an amount is checked against; a claim without one cannot be credited yet."""
    if period is None:
        raise Conflict(f"{claim.ticket_id} has no billing period: measure it again first.", code="no_billing_period")
    return period


def locked(claim_id: int) -> SlaCreditRequest:
    get_claim(claim_id)  # 404 before anything else
    # Lock the claim so two staff members acting at once cannot both win.
    db.session.execute(select(SlaCreditRequest.id).where(SlaCreditRequest.id == claim_id).with_for_update())
    claim = get_claim(claim_id)
    db.session.refresh(claim)
    return claim


def decide_claim(claim_id: int, actor: User, data: dict) -> SlaCreditRequest:
    claim = locked(claim_id)
    if not claim.is_pending():
        db.session.rollback()
        raise Conflict(f"{claim.ticket_id} was already {claim.status}.", code="not_pending")
    period = required(claim, periods.period_of(claim))  # once: the amount check and the credit both use it
    decision = _validate(data, period, credited_elsewhere(claim, period))
    currency = claim.subscription.currency if claim.subscription else claim.currency
    if decision["status"] == ClaimStatus.APPROVED:
        claim.approve(actor.id, decision["amount"], currency, decision["notes"], utcnow())
        claim.credit_method, claim.credit_state = decision["method"], CreditState.PENDING.value
    else:
        claim.reject(actor.id, decision["notes"], utcnow())
        claim.stripe_ref = decision["stripe_ref"]
    audit.record("sla.decided", actor_id=actor.id, target_user_id=claim.user_id, target_type="sla_credit_request",
                 target_id=claim.id, details={"ticket_id": claim.ticket_id, "status": claim.status,
                                              "credit_amount": claim.credit_amount, "currency": claim.currency,
                                              "credit_method": decision["method"], "period_charge": period.charge})
    attempt = recorded.attempt_of(claim)  # what to tell if the database goes away after this commit
    db.session.commit()  # the decision stands whatever Stripe says next
    try:
        if attempt.status == ClaimStatus.APPROVED:
            _issue(claim, actor, decision["method"], decision["stripe_ref"], period, attempt=attempt)
        notify_user(claim)
    except Exception as exc:
        answer = recorded.after_commit(exc, attempt)  # never "Nothing was changed" once it is committed
        if answer is None:
            raise
        raise answer from exc
    return claim


def _issue(claim: SlaCreditRequest, actor: User, method: str, stripe_ref: str | None,
           period: periods.BillingPeriod | None, ask_first: bool = False,
           attempt: recorded.Attempt | None = None) -> None:
    credit.issue(claim, method, stripe_ref, period=period, ask_first=ask_first)
    if attempt is not None:
        attempt.credited(claim.stripe_ref, claim.credit_error, claim.credit_amount)
    audit.record(f"sla.credit_{claim.credit_state}", actor_id=actor.id, target_user_id=claim.user_id,
                 target_type="sla_credit_request", target_id=claim.id,
                 details={"ticket_id": claim.ticket_id, "credit_method": method, "amount": claim.credit_amount,
                          "stripe_ref": claim.stripe_ref, "error": claim.credit_error})
    db.session.commit()


def retry_credit(claim_id: int, actor: User, data: dict) -> SlaCreditRequest:
    """Try a pending credit again, possibly corrected (another method or amount, or the manual reference)."""
    claim = locked(claim_id)
    if not claim.is_approved() or claim.credit_state != CreditState.PENDING:
        db.session.rollback()
        raise Conflict(f"{claim.ticket_id} has no pending credit.", code="credit_not_pending")
    changed = data.get("credit_method") or data.get("stripe_ref")
    method = credit.parse_method(data) if changed else claim.credit_method
    fields = {} if method else {"credit_method": 'One of "balance", "credit_note", "manual".'}
    period = periods.period_of(claim)  # once: the amount check and the credit both use it
    if data.get("credit_amount") not in (None, ""):
        period = required(claim, period)
        amount, problem = check_amount(data.get("credit_amount"), period, credited_elsewhere(claim, period))
        if problem:
            fields["credit_amount"] = problem
        else:
            claim.credit_amount = amount
    if fields:
        db.session.rollback()
        raise ValidationFailed("The retry needs a few fixes.", fields=fields)
    _issue(claim, actor, method, _clean(data.get("stripe_ref"), 255) or None, period, ask_first=True)
    if claim.credit_state == CreditState.ISSUED:
        notify_user(claim, follow_up=True)  # the user was told it was on its way; now tell them it is applied
    return claim


def notify_user(claim: SlaCreditRequest, follow_up: bool = False) -> None:
    """Queue the decision email by claim id; the job renders it when it sends, so no address or body
    waits in Redis (nor in RQ's failed registry). A failure to queue is caught by the sweeper."""
    if claim.user is None:
        return
    # A follow-up gets a fresh job id: the first mail's job may still be held by RQ.
    tasks.try_enqueue(MAIL_JOB, claim.id, key=None if follow_up else (claim.id,))


def sweep_decision_emails(now: datetime | None = None) -> int:
    """Queue the decision email of decided claims that were never emailed and have no mail job at all (a
    failed one stays in RQ's failed registry for ops, as for DSAR mails). Gives the original enqueue a
    minute, so the sweeper does not race it."""
    now = now or utcnow()
    missed = db.session.scalars(
        select(SlaCreditRequest).where(SlaCreditRequest.status != ClaimStatus.PENDING.value,
                                       SlaCreditRequest.emailed_at.is_(None),
                                       SlaCreditRequest.decided_at < now - timedelta(minutes=1))).unique().all()
    return sum(tasks.enqueue_unless_present(MAIL_JOB, claim.id, key=(claim.id,))
               for claim in missed if claim.user is not None and _mail_due(claim))


def _mail_due(claim: SlaCreditRequest) -> bool:
    """A proactive claim's customer never asked: they hear of it once, when its credit is issued ("we
    noticed and credited you"), and never of a draft staff rejected."""
    if claim.source != "proactive":
        return True
    return claim.is_approved() and claim.credit_state == CreditState.ISSUED and claim.emailed_at is None


def send_decision_email(claim_id: int) -> bool:
    """Render and send the decision email of a decided claim (the mail job's body); records emailed_at.
    A proactive claim's customer never asked, so theirs says "we noticed and credited you" instead."""
    claim = db.session.get(SlaCreditRequest, claim_id)
    if claim is None or claim.user is None or claim.is_pending() or not _mail_due(claim):
        return False
    with i18n.in_locale(claim.user.locale):  # the customer's language: words, dates and amounts
        amount = money.format_amount(claim.credit_amount, claim.currency)
        if claim.source == "proactive":
            template = "mail/sla_proactive"
            subject = gettext("We noticed our downtime and credited you %(amount)s", amount=amount)
        else:
            template = "mail/sla_decision"
            subject = gettext("Your SLA credit request %(ticket)s was %(status)s", ticket=claim.ticket_id,
                              status=i18n.translate(claim.status))
        context = {"claim": claim, "subject": subject, "base_url": current_app.config["PUBLIC_BASE_URL"],
                   "amount": amount, "applied": claim.credit_state == CreditState.ISSUED,
                   "comp": claim.computation or {},
                   "charge": money.format_amount(claim.period_charge, claim.currency)}
        text = render_template(f"{template}.txt", **context)
        html = render_template(f"{template}.html", **context)
    mailer.send_mail(claim.user.email, subject, text, html)
    claim.emailed_at = utcnow()
    db.session.commit()
    return True
