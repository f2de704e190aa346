"""Stripe wrapper. Reports "not configured" without STRIPE_API_KEY instead of failing."""
from __future__ import annotations

from flask import current_app


class StripeNotConfigured(RuntimeError):
    pass


def stripe_configured() -> bool:
    return bool(current_app.config.get("STRIPE_API_KEY"))


def stripe_client(timeout: float | None = None):
    import stripe

    timeout = float(current_app.config.get("STRIPE_TIMEOUT", 20)) if timeout is None else timeout
    key = current_app.config.get("STRIPE_API_KEY")
    if not key:
        raise StripeNotConfigured("Stripe is not configured (STRIPE_API_KEY is unset)")
    base = current_app.config.get("STRIPE_API_BASE")
    kwargs = {"base_addresses": {"api": base}} if base else {}
    http = stripe.RequestsClient(timeout=timeout) if _has_requests() else None
    if http:
        kwargs["http_client"] = http
    return stripe.StripeClient(key, max_network_retries=0, **kwargs)


def _has_requests() -> bool:
    try:
        import requests  # noqa: F401
    except ImportError:
        return False
    return True


def _options(idempotency_key: str | None) -> dict:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


def subscription_customer(stripe_subscription_id: str) -> str:
    """The Stripe customer a subscription bills (balance credits are per customer)."""
    sub = stripe_client().v1.subscriptions.retrieve(stripe_subscription_id)
    customer = sub.customer
    return customer if isinstance(customer, str) else customer.id


def invoice_state(invoice_id: str) -> dict:
    """What a credit note on this invoice may do depends on its state (paid, open, void, …)."""
    inv = stripe_client().v1.invoices.retrieve(invoice_id).to_dict()
    return {"status": inv.get("status"), "amount_remaining": inv.get("amount_remaining"),
            "currency": inv.get("currency")}


def credit_customer_balance(customer: str, amount: int, currency: str, *, description: str, metadata: dict,
                            idempotency_key: str) -> str:
    """A customer balance credit (a negative balance transaction) that Stripe takes off the next invoice."""
    params = {"amount": -abs(amount), "currency": currency.lower(), "description": description,
              "metadata": {k: str(v) for k, v in metadata.items()}}
    txn = stripe_client().v1.customers.balance_transactions.create(customer, params, _options(idempotency_key))
    return txn.id


def create_credit_note(invoice_id: str, amount: int, *, paid: bool, metadata: dict, idempotency_key: str,
                       memo: str | None = None) -> str:
    """A credit note for `amount` on an invoice. On a paid invoice the amount goes to the customer's
    balance (credit_amount, so amount = credit_amount as Stripe requires); on an open invoice it reduces
    the amount due, and Stripe refuses credit_amount/refund_amount there."""
    params = {"invoice": invoice_id, "amount": amount, "metadata": {k: str(v) for k, v in metadata.items()}}
    if paid:
        params["credit_amount"] = amount
    if memo:
        params["memo"] = memo
    note = stripe_client().v1.credit_notes.create(params, _options(idempotency_key))
    return note.id


def find_claim_credit(claim_id: int, *, customer: str | None = None, invoice_id: str | None = None) -> dict | None:
    """What an earlier attempt for this SLA claim made in Stripe, found by the claim id in its metadata:
    {"id", "amount"} (a positive amount in minor units) of the newest balance credit of `customer`, or of
    the newest credit note on `invoice_id`; None when there is none (issue 28: an attempt that timed out
    may still have been carried out, so a retry with another amount asks before it creates anything)."""
    client = stripe_client()
    if customer:
        listing = client.v1.customers.balance_transactions.list(customer, {"limit": 100})
    else:
        listing = client.v1.credit_notes.list({"invoice": invoice_id, "limit": 100})
    for item in (entry.to_dict() for entry in listing.data):
        if (item.get("metadata") or {}).get("sla_claim_id") == str(claim_id):
            return {"id": item["id"], "amount": abs(int(item["amount"]))}
    return None
