"""Turning an approved SLA claim into money, so the credit cannot silently go wrong.

- `balance` (default): a Stripe customer balance transaction (negative amount, the claim id in metadata)
  that Stripe takes off the customer's next invoice.
- `credit_note`: a credit note on the billing period's invoice, with the parameters its state allows
  (paid: the amount credited to the balance; open: reducing what is due; anything else is refused).
- `manual`: staff made the credit by hand and record its reference.

The idempotency key names the claim, the method and the amount: a repeated click (or a retry after our
own commit failed) returns Stripe's first answer instead of crediting twice, while a corrected retry
(another amount or method) is a new request and is not blocked for 24 h by the refused one.

States: an approved claim's credit is `issued` (stripe_ref set) or `pending` (no key, Stripe refused,
or the reference is still to be recorded): pending credits show in the admin with a retry, and the
decision email never says a pending credit was applied.
"""
from __future__ import annotations

import logging

from flask import current_app

from app.common import billing, money, outages
from app.models import SlaCreditRequest
from app.models.sla import CreditMethod, CreditState
from app.sla import periods

log = logging.getLogger(__name__)
NOT_CONFIGURED = ("Stripe is not configured (STRIPE_API_KEY): retry once it is, or make the credit by hand and "
                  "record it as manual.")


class CreditRefused(Exception):
    """A reason known before asking Stripe (no invoice, wrong invoice state)."""


class StripeBusy(Exception):
    """Stripe rate-limited us (429), failed (5xx) or could not be reached: worth asking again later with the
    same idempotency key. Raised only to callers that back off themselves (the batch, batch.py)."""


def is_transient(exc: Exception) -> bool:
    import stripe

    if isinstance(exc, (stripe.RateLimitError, stripe.APIConnectionError)):
        return True
    return isinstance(exc, stripe.StripeError) and (exc.http_status or 0) >= 500


def min_credit(currency: str | None) -> int:
    return money.to_minor(current_app.config["SLA_MIN_CREDIT"], currency, strict=False) or 1


def parse_method(data: dict) -> str | None:
    """The requested method; None when it is not one we know. Older callers sent create_credit_note."""
    method = data.get("credit_method")
    if method in (None, ""):
        if data.get("create_credit_note") in (True, "1", "true", "on", "yes"):
            return CreditMethod.CREDIT_NOTE.value
        return CreditMethod.MANUAL.value if data.get("stripe_ref") else CreditMethod.BALANCE.value
    return method if method in {m.value for m in CreditMethod} else None


def issue(claim: SlaCreditRequest, method: str, stripe_ref: str | None = None, *,
          period: periods.BillingPeriod | None, ask_first: bool = False, busy_raises: bool = False) -> None:
    """Try to make the approved credit real; records the outcome on the claim and never raises for
    Stripe trouble (the decision stands either way). `period` is the claim's billing period as the
    decision read it (periods.period_of), so a credit note goes on the invoice the decision was checked on.
    `ask_first` (a staff retry): an earlier attempt may have been carried out although we never heard
    back (a timeout); the idempotency key only covers the same amount, so Stripe is asked first for a
    credit carrying this claim's id, and one found is recorded (with the amount Stripe credited) instead
    of creating a second. `busy_raises`: raise StripeBusy on a 429/5xx instead of recording it (the claim
    is left as it was)."""
    claim.credit_method = method
    _settle(claim, *_make(claim, method, claim.credit_amount, stripe_ref, period, "", ask_first, busy_raises))


def issue_difference(claim: SlaCreditRequest, dispute, period: periods.BillingPeriod | None) -> None:
    """Credit what a revised dispute added (dispute.credit_difference), once: its own idempotency key
    (`…-dispute-<method>-<amount>`), so a retry after a timeout replays Stripe's first answer. The outcome
    goes on the dispute; the claim's first credit stays as it was."""
    _settle(dispute, *_make(claim, dispute.credit_method, dispute.credit_difference, dispute.stripe_ref, period,
                            "dispute-"))


def _make(claim: SlaCreditRequest, method: str, amount: int, stripe_ref: str | None, period,
          tag: str, ask_first: bool = False, busy_raises: bool = False) -> tuple[str | None, str | None]:
    if method == CreditMethod.MANUAL:
        return stripe_ref, None if stripe_ref else "Record the reference of the credit made by hand."
    if not billing.stripe_configured():
        return None, NOT_CONFIGURED
    return _attempt(claim, method, amount, period, tag, ask_first, busy_raises)


def _attempt(claim: SlaCreditRequest, method: str, amount: int, period, tag: str,
             ask_first: bool = False, busy_raises: bool = False) -> tuple[str | None, str | None]:
    """(stripe ref, None) or (None, why not); never raises for Stripe trouble."""
    key = f"levqor-sla-{claim.id}-{tag}{method}-{amount}"
    try:
        earlier = _earlier_credit(claim, method, period) if ask_first else None
        if earlier is not None:
            log.warning("stripe already holds credit %s (%s) for %s from an earlier attempt; recorded, nothing "
                        "new created", earlier["id"], earlier["amount"], claim.ticket_id)
            claim.credit_amount = earlier["amount"]
            return earlier["id"], None
        if method == CreditMethod.BALANCE:
            return _balance_credit(claim, amount, key), None
        return _credit_note(claim, period, amount, key), None
    except CreditRefused as exc:
        return None, str(exc)
    except Exception as exc:  # Stripe errors, timeouts: pending, with Stripe's words for staff
        if outages.unavailable_dependency(exc):
            raise  # our own database went away (a lazy load): not Stripe's answer
        log.warning("stripe credit for %s failed: %s", claim.ticket_id, exc)
        if busy_raises and is_transient(exc):
            raise StripeBusy(f"Stripe answered {getattr(exc, 'http_status', None) or 'nothing'}: {exc}") from exc
        return None, f"Stripe refused the credit: {getattr(exc, 'user_message', None) or exc}"


def _settle(claim, ref: str | None, error: str | None) -> None:
    """On a claim (its first credit) or a dispute (the difference): the same three columns."""
    claim.credit_state = CreditState.ISSUED.value if ref else CreditState.PENDING.value
    claim.stripe_ref = ref or claim.stripe_ref
    claim.credit_error = error


def _metadata(claim: SlaCreditRequest) -> dict:
    return {"sla_claim_id": claim.id, "ticket_id": claim.ticket_id}


def _earlier_credit(claim: SlaCreditRequest, method: str, period: periods.BillingPeriod | None) -> dict | None:
    sub = claim.subscription
    if method == CreditMethod.BALANCE and sub is not None and sub.stripe_subscription_id:
        return billing.find_claim_credit(claim.id, customer=billing.subscription_customer(sub.stripe_subscription_id))
    if method == CreditMethod.CREDIT_NOTE and period is not None and period.stripe_invoice_id:
        return billing.find_claim_credit(claim.id, invoice_id=period.stripe_invoice_id)
    return None


def _balance_credit(claim: SlaCreditRequest, amount: int, key: str) -> str:
    sub = claim.subscription
    if sub is None or not sub.stripe_subscription_id:
        raise CreditRefused("The subscription has no Stripe id: make the credit by hand and record it as manual.")
    customer = billing.subscription_customer(sub.stripe_subscription_id)
    return billing.credit_customer_balance(
        customer, amount, claim.currency or sub.currency, metadata=_metadata(claim),
        description=f"SLA credit {claim.ticket_id}", idempotency_key=key)


def _credit_note(claim: SlaCreditRequest, period: periods.BillingPeriod | None, amount: int, key: str) -> str:
    invoice_id = period.stripe_invoice_id if period else None
    if not invoice_id:
        raise CreditRefused("No Stripe invoice bills this period: use a balance credit instead.")
    state = billing.invoice_state(invoice_id)
    if state["status"] == "open" and (state["amount_remaining"] or 0) < amount:
        left = money.format_amount(state["amount_remaining"] or 0, claim.currency)
        raise CreditRefused(f"Invoice {invoice_id} is open with only {left} left to pay: use a balance credit.")
    if state["status"] not in ("paid", "open"):
        raise CreditRefused(f"Invoice {invoice_id} is {state['status']}: credit notes need a paid or open invoice.")
    return billing.create_credit_note(
        invoice_id, amount, paid=state["status"] == "paid", metadata=_metadata(claim),
        memo=f"SLA credit {claim.ticket_id}", idempotency_key=key)
