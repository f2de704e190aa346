"""Stripe wrapper. Reports "not configured" without STRIPE_API_KEY instead of failing."""
from __future__ import annotations

from flask import current_app


class StripeNotConfigured(RuntimeError):
    pass


def stripe_configured() -> bool:
    return bool(current_app.config.get("STRIPE_API_KEY"))


def stripe_client(timeout: float = 20):
    import stripe

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


def create_credit_note(invoice_id: str, amount: int, *, metadata: dict, idempotency_key: str,
                       memo: str | None = None) -> str:
    """Credit `amount` of a paid invoice to the customer's balance; returns the credit note id.

    The idempotency key makes a retried call (say, after our own commit failed) return the same note.
    """
    params = {"invoice": invoice_id, "amount": amount, "credit_amount": amount,
              "metadata": {k: str(v) for k, v in metadata.items()}}
    if memo:
        params["memo"] = memo
    note = stripe_client().v1.credit_notes.create(params=params, options={"idempotency_key": idempotency_key})
    return note.id
