"""Billing periods and what they cost: the one place the fee behind an SLA credit is computed.

Filing (which periods a claim may cover), measuring (the period's charge) and deciding (the cap on
a credit, the Stripe invoice to credit) all read from here, so the rules cannot drift apart.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, SlaCreditRequest, Subscription


def billing_periods(sub: Subscription) -> list[dict]:
    """The stretches the subscription was billed for: its invoices, plus the current period if unbilled."""
    invoices = db.session.scalars(
        select(Invoice).where(Invoice.subscription_id == sub.id, Invoice.user_id == sub.user_id,
                              Invoice.period_start.is_not(None), Invoice.period_end.is_not(None))
        .order_by(Invoice.period_start)
    ).all()
    periods = [{"start": i.period_start, "end": i.period_end, "amount": i.amount_paid or i.amount_due,
                "source": f"invoice {i.number or i.id}", "invoice_id": i.id,
                "stripe_invoice_id": i.stripe_invoice_id} for i in invoices if i.period_end > i.period_start]
    cur_start, cur_end = sub.current_period_start, sub.current_period_end
    if cur_start and cur_end and cur_end > cur_start and not any(
            p["start"] < cur_end and p["end"] > cur_start for p in periods):
        periods.append({"start": cur_start, "end": cur_end, "amount": sub.price_amount,
                        "source": "current period (not invoiced yet)", "invoice_id": None,
                        "stripe_invoice_id": None})
    return sorted(periods, key=lambda p: p["start"])


def is_covered(periods: list[dict], start: datetime, end: datetime) -> bool:
    """True when [start, end] lies inside one contiguous run of billing periods."""
    run_start = run_end = None
    for p in periods:
        if run_end is not None and p["start"] <= run_end:
            run_end = max(run_end, p["end"])
        else:
            run_start, run_end = p["start"], p["end"]
        if run_start <= start and end <= run_end:
            return True
    return False


def period_fee(sub: Subscription, start: datetime, end: datetime, periods: list[dict] | None = None) -> dict:
    periods = billing_periods(sub) if periods is None else periods
    basis, total = [], 0.0
    for p in periods:
        overlap = (min(end, p["end"]) - max(start, p["start"])).total_seconds()
        if overlap <= 0:
            continue
        share = overlap / (p["end"] - p["start"]).total_seconds()
        total += p["amount"] * share
        basis.append({"source": p["source"], "billing_start": p["start"].isoformat(),
                      "billing_end": p["end"].isoformat(), "amount": p["amount"], "share": round(share, 6),
                      "invoice_id": p["invoice_id"], "stripe_invoice_id": p["stripe_invoice_id"]})
    return {"amount": round(total), "currency": sub.currency, "basis": basis}



def claim_fee(claim: SlaCreditRequest, sub: Subscription | None = None, periods: list[dict] | None = None) -> dict:
    """The period's fee now (billing may have been recorded since filing), else the one computed at filing
    (the subscription was deleted since)."""
    sub = sub if sub is not None else claim.subscription
    if sub is not None:
        return period_fee(sub, claim.period_start, claim.period_end, periods)
    comp = claim.computation or {}
    return {"amount": comp.get("period_fee", 0), "currency": claim.currency, "basis": comp.get("fee_basis", [])}


def stripe_invoice(fee: dict) -> str | None:
    """The Stripe invoice of the billing period that holds most of the claim."""
    candidates = [b for b in fee["basis"] if b.get("stripe_invoice_id")]
    if not candidates:
        return None
    return max(candidates, key=lambda b: b["amount"] * b["share"])["stripe_invoice_id"]
