"""Billing periods and what they cost: the one place the fee behind an SLA credit is computed.

Filing (which billing period a claim falls in), measuring (that period's charge) and deciding (the cap
on a credit, the Stripe invoice to credit) all read from here, so the rules cannot drift apart.

Rules (docs/sla-credits.md):
- A billing period is an invoice's [period_start, period_end), or the subscription's current period
  when no invoice covers it yet. Several invoices for the same period (a void one re-issued) are one period.
- Its charge is what the customer paid for it: a paid invoice's amount_paid; an open (or draft)
  invoice's amount_due, since that is what the period costs and a credit note on it reduces what is
  owed; void and uncollectible invoices are not fees (0). A current period not invoiced yet costs the
  subscription's current price.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.common.iso import iso
from app.extensions import db
from app.models import Invoice, SlaCreditRequest, Subscription
from app.models.sla import ClaimStatus

NOT_FEES = ("void", "uncollectible")


@dataclass
class BillingPeriod:
    start: datetime
    end: datetime
    charge: int = 0
    currency: str = "USD"
    sources: list[dict] = field(default_factory=list)
    stripe_invoice_id: str | None = None  # the invoice a credit note would go on (paid or open)
    invoice_status: str | None = None

    def contains(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end

    def as_dict(self) -> dict:
        return {"start": iso(self.start), "end": iso(self.end), "charge": self.charge, "currency": self.currency,
                "sources": self.sources, "stripe_invoice_id": self.stripe_invoice_id,
                "invoice_status": self.invoice_status}


def invoice_charge(invoice: Invoice) -> int:
    if invoice.status in NOT_FEES:
        return 0
    if invoice.status == "paid":
        return invoice.amount_paid or 0
    return invoice.amount_due or 0


def billing_periods(sub: Subscription, invoices: list[Invoice] | None = None) -> list[BillingPeriod]:
    """The periods the subscription was billed for, oldest first, each with its charge. A proactive run
    passes the subscription's invoices (loaded for many subscriptions in one query, ordered as here)."""
    if invoices is None:
        invoices = _invoices_of(sub)
    return _periods_from(sub, invoices)


def _invoices_of(sub: Subscription) -> list[Invoice]:
    return db.session.scalars(
        select(Invoice).where(Invoice.subscription_id == sub.id, Invoice.user_id == sub.user_id,
                              Invoice.period_start.is_not(None), Invoice.period_end.is_not(None))
        .order_by(Invoice.period_start, Invoice.id)
    ).all()


def _periods_from(sub: Subscription, invoices: list[Invoice]) -> list[BillingPeriod]:
    by_range: dict[tuple, BillingPeriod] = {}
    for inv in invoices:
        if inv.period_end <= inv.period_start:
            continue
        period = by_range.setdefault((inv.period_start, inv.period_end),
                                     BillingPeriod(inv.period_start, inv.period_end, currency=inv.currency))
        charge = invoice_charge(inv)
        period.charge += charge
        period.sources.append({"invoice": inv.number or inv.id, "status": inv.status, "counted": charge,
                               "amount_paid": inv.amount_paid, "amount_due": inv.amount_due})
        if inv.status not in NOT_FEES and inv.stripe_invoice_id:
            period.stripe_invoice_id, period.invoice_status = inv.stripe_invoice_id, inv.status
    periods = list(by_range.values())
    cur_start, cur_end = sub.current_period_start, sub.current_period_end
    if cur_start and cur_end and cur_end > cur_start and not any(p.overlaps(cur_start, cur_end) for p in periods):
        periods.append(BillingPeriod(cur_start, cur_end, sub.price_amount or 0, sub.currency,
                                     [{"current_price": sub.price_amount, "counted": sub.price_amount}]))
    return sorted(periods, key=lambda p: p.start)


def periods_touching(periods: list[BillingPeriod], start: datetime, end: datetime) -> list[BillingPeriod]:
    return [p for p in periods if p.overlaps(start, end)]


def already_credited(sub_id: int, period: BillingPeriod, exclude_claim_id: int | None = None) -> int:
    """Credits approved on other claims of the same billing period: the suggestion only tops them up, so
    two claims for two outages of one month cannot each be paid on the month's combined downtime."""
    query = select(func.coalesce(func.sum(SlaCreditRequest.credit_amount), 0)).where(
        SlaCreditRequest.subscription_id == sub_id, SlaCreditRequest.status == ClaimStatus.APPROVED.value,
        SlaCreditRequest.billing_period_start == period.start, SlaCreditRequest.billing_period_end == period.end)
    if exclude_claim_id:
        query = query.where(SlaCreditRequest.id != exclude_claim_id)
    return int(db.session.scalar(query) or 0)


def period_of(claim: SlaCreditRequest) -> BillingPeriod | None:
    """The claim's billing period as billing records it now (an invoice may have been paid since filing)."""
    if claim.billing_period_start is None:
        return None
    if claim.subscription is not None:
        for period in billing_periods(claim.subscription):
            if period.start == claim.billing_period_start and period.end == claim.billing_period_end:
                return period
    # The subscription or its invoices are gone: keep what was computed at filing.
    return BillingPeriod(claim.billing_period_start, claim.billing_period_end, claim.period_charge or 0,
                         claim.currency or "USD", [{"recorded_at_filing": claim.period_charge}])
