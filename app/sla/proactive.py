"""Proactive SLA credits (issue 22): after a billing period closes we measure it ourselves and, where the SLA
was missed, draft the credit (`source: "proactive"`) — the customer does not have to notice and claim.

Rules (docs/sla-credits.md, "Proactive credits"):
- Every active subscription's billing periods that ended within SLA_FILING_DAYS (and after `since`) are
  measured with the customer claim's measurement and tiers (measure.measure_period, periods.py).
- A period is drafted once: skipped when any claim of that subscription already covers it (the customer's,
  pending, approved or rejected, or an earlier proactive one); a partial unique index holds it under races.
- Skipped too: a charge-free period, a suggestion below SLA_MIN_CREDIT, an untrusted measurement (more
  than SLA_NO_DATA_MAX_PCT without data: staff cannot stand behind a credit nobody asked for).
- Measured once per distinct billing window, from snapshots loaded once for the whole span (series.py).
- SLA_PROACTIVE: off (nothing), draft (staff approve in /admin/sla-credits), auto (approved at once by
  the system and credited by the batch job, batch.py).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select

from app.common import audit
from app.common.iso import iso
from app.extensions import db
from app.models import Invoice, SlaCreditRequest, Subscription
from app.models.types import utcnow
from app.sla import credit, measure, periods
from app.sla.series import SnapshotSeries

log = logging.getLogger(__name__)
MODES = ("off", "draft", "auto")
SOURCE = "proactive"


SUB_COLUMNS = (Subscription.id, Subscription.user_id, Subscription.plan, Subscription.price_amount,
               Subscription.currency, Subscription.current_period_start, Subscription.current_period_end)
INVOICE_COLUMNS = (Invoice.id, Invoice.user_id, Invoice.subscription_id, Invoice.number, Invoice.status,
                   Invoice.amount_due, Invoice.amount_paid, Invoice.currency, Invoice.period_start,
                   Invoice.period_end, Invoice.stripe_invoice_id)


@dataclass
class Candidate:
    """A subscription's closed billing period; plain values, so commits (which expire rows) cost no reloads."""
    sub_id: int
    user_id: int
    plan: str | None
    period: periods.BillingPeriod
    computation: dict | None = None


@dataclass
class Report:
    mode: str
    dry_run: bool
    measured_windows: int = 0
    periods: int = 0
    drafted: list[dict] = field(default_factory=list)  # {claim_id, ticket_id, subscription_id, ...}
    skipped: dict[str, int] = field(default_factory=dict)  # reason → count
    approved: int = 0  # auto mode

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def mode() -> str:
    value = (current_app.config.get("SLA_PROACTIVE") or "draft").strip().lower()
    if value not in MODES:
        raise ValueError(f"SLA_PROACTIVE must be one of {', '.join(MODES)}, not {value!r}")
    return value


def run(now: datetime | None = None, *, since: datetime | None = None, dry_run: bool = False,
        force: bool = False) -> Report:
    """Measure the closed periods and draft what was missed. Safe to run again: it drafts nothing twice.
    `force` runs even with SLA_PROACTIVE=off (ops asking by hand with --dry-run)."""
    current = mode()
    report = Report(current, dry_run)
    if current == "off" and not force:
        return report
    now = now or utcnow()
    earliest = now - timedelta(days=current_app.config["SLA_FILING_DAYS"])
    if since is not None:
        earliest = max(earliest, since)
    candidates = _candidates(earliest, now, report)
    measurer = _Measurer(candidates, now)
    # Measured, drafted and forgotten a chunk at a time: memory stays flat however many subscriptions.
    chunk = int(current_app.config.get("SLA_PROACTIVE_CHUNK", 500))
    for i in range(0, len(candidates), chunk):
        part = candidates[i:i + chunk]
        measurer.measure(part)
        wanted = [c for c in part if _worth_drafting(c, report)]
        if dry_run:
            report.drafted.extend(_describe(c) for c in wanted)
        elif wanted:
            report.drafted.extend(_draft_chunk(wanted, report))
        for c in part:
            c.computation = None
    report.measured_windows = len(measurer.measured)
    if dry_run:
        return report
    if current == "auto" and report.drafted:
        from app.sla import batch

        result = batch.approve([d["claim_id"] for d in report.drafted], actor_id=None)
        report.approved = result["approved"]
    return report


def _candidates(earliest: datetime, now: datetime, report: Report) -> list[Candidate]:
    """(subscription, closed billing period) pairs with no claim covering them yet; three queries in all."""
    # Plain rows, not ORM objects: periods.billing_periods reads only these attributes, and 10,000
    # subscriptions with their invoices stay a few megabytes.
    subs = db.session.execute(select(*SUB_COLUMNS).where(Subscription.status == "active")
                              .order_by(Subscription.id)).all()
    by_sub: dict[int, list] = {}
    invoices = db.session.execute(
        select(*INVOICE_COLUMNS).where(Invoice.subscription_id.is_not(None), Invoice.period_start.is_not(None),
                                       Invoice.period_end > earliest - timedelta(days=62), Invoice.period_end <= now)
        .order_by(Invoice.period_start, Invoice.id))
    for inv in invoices:
        by_sub.setdefault(inv.subscription_id, []).append(inv)
    covered = _covered(earliest)
    out = []
    for sub in subs:
        own = [inv for inv in by_sub.get(sub.id, ()) if inv.user_id == sub.user_id]
        for period in periods.billing_periods(sub, own):
            if not (earliest <= period.end <= now):
                continue
            report.periods += 1
            if _is_covered(covered.get(sub.id, ()), period):
                report.skip("already_claimed")
            elif period.charge <= 0:
                report.skip("no_charge")
            else:
                out.append(Candidate(sub.id, sub.user_id, sub.plan, period))
    return out


def _covered(earliest: datetime) -> dict[int, list[tuple]]:
    """Every claim that may cover a period ending after `earliest`, by subscription."""
    rows = db.session.execute(
        select(SlaCreditRequest.subscription_id, SlaCreditRequest.billing_period_start,
               SlaCreditRequest.billing_period_end, SlaCreditRequest.period_start, SlaCreditRequest.period_end)
        .where(SlaCreditRequest.subscription_id.is_not(None),
               SlaCreditRequest.period_end > earliest - timedelta(days=62))).all()
    covered: dict[int, list[tuple]] = {}
    for sub_id, b_start, b_end, w_start, w_end in rows:
        covered.setdefault(sub_id, []).append((b_start, b_end, w_start, w_end))
    return covered


def _is_covered(claims: list[tuple], period: periods.BillingPeriod) -> bool:
    """A claim of the same billing period, or (claims filed before periods were recorded) whose window
    lies in it."""
    for b_start, b_end, w_start, w_end in claims:
        if b_start is not None and (b_start, b_end) == (period.start, period.end):
            return True
        if b_start is None and period.overlaps(w_start, w_end):
            return True
    return False


class _Measurer:
    """Each distinct window measured once, from one load of the span's snapshots and maintenance."""

    def __init__(self, candidates: list[Candidate], now: datetime):
        self.now, self.measured = now, {}
        self.components = tuple(current_app.config["SLA_COMPONENTS"])
        if candidates:
            start = min(c.period.start for c in candidates)
            end = max(c.period.end for c in candidates)
            self.maintenance = measure.maintenance_windows(start, end, self.components)
            self.series = SnapshotSeries(start, end, self.components, self.maintenance)

    def measure(self, candidates: list[Candidate]) -> None:
        for c in candidates:
            key = (c.period.start, c.period.end)
            if key not in self.measured:
                self.measured[key] = measure.measure_period(*key, now=self.now, maintenance=self.maintenance,
                                                            source=self.series)
            computation = measure.suggest(self.measured[key], c.period.charge, c.period.currency, 0)
            computation["billing_period"] = c.period.as_dict()
            computation["proactive"] = True
            c.computation = computation


def _worth_drafting(c: Candidate, report: Report) -> bool:
    comp = c.computation
    if comp["suggested_credit"] <= 0:
        report.skip("sla_met")
        return False
    if not comp["trusted"]:
        report.skip("untrusted_measurement")
        return False
    if comp["suggested_credit"] < credit.min_credit(c.period.currency):
        report.skip("below_min_credit")
        return False
    return True


def _describe(c: Candidate, claim_id: int | None = None) -> dict:
    comp = c.computation
    return {"claim_id": claim_id, "ticket_id": f"SLA-{claim_id:06d}" if claim_id else None,
            "subscription_id": c.sub_id, "user_id": c.user_id, "billing_period_start": iso(c.period.start),
            "billing_period_end": iso(c.period.end), "monthly_uptime_percent": comp["uptime_pct"],
            "suggested_credit_amount": comp["suggested_credit"], "currency": c.period.currency}


def _draft_chunk(chunk: list[Candidate], report: Report) -> list[dict]:
    """Lock the chunk's subscriptions (as filing does), look again for claims filed meanwhile, insert the
    drafts and their audit rows, commit."""
    sub_ids = sorted({c.sub_id for c in chunk})
    db.session.execute(select(Subscription.id).where(Subscription.id.in_(sub_ids))
                       .order_by(Subscription.id).with_for_update())
    rows = db.session.execute(
        select(SlaCreditRequest.subscription_id, SlaCreditRequest.billing_period_start,
               SlaCreditRequest.billing_period_end, SlaCreditRequest.period_start, SlaCreditRequest.period_end)
        .where(SlaCreditRequest.subscription_id.in_(sub_ids))).all()
    covered: dict[int, list[tuple]] = {}
    for sub_id, *rest in rows:
        covered.setdefault(sub_id, []).append(tuple(rest))
    made = []
    for c in chunk:
        if _is_covered(covered.get(c.sub_id, ()), c.period):
            report.skip("already_claimed")
            continue
        made.append(c)
    if not made:
        db.session.commit()
        return []
    # One executemany (no RETURNING): at thousands of drafts a multi-row INSERT … RETURNING costs more in
    # building the statement than in running it. The ids are read back by the unique (subscription, period).
    db.session.execute(insert(SlaCreditRequest), [_new_claim(c) for c in made])
    ids = {(sub_id, start, end): claim_id for claim_id, sub_id, start, end in db.session.execute(
        select(SlaCreditRequest.id, SlaCreditRequest.subscription_id, SlaCreditRequest.billing_period_start,
               SlaCreditRequest.billing_period_end)
        .where(SlaCreditRequest.source == SOURCE, SlaCreditRequest.subscription_id.in_(sub_ids)))}
    described = []
    for c in made:
        claim_id = ids[(c.sub_id, c.period.start, c.period.end)]
        d = _describe(c, claim_id)
        audit.record("sla.proactive_drafted", actor_id=None, target_user_id=c.user_id,
                     target_type="sla_credit_request", target_id=claim_id,
                     details={"ticket_id": d["ticket_id"], "subscription_id": c.sub_id,
                              "monthly_uptime_percent": d["monthly_uptime_percent"],
                              "suggested_credit_amount": d["suggested_credit_amount"]})
        described.append(d)
    db.session.commit()
    return described


def _new_claim(c: Candidate) -> dict:
    comp, period = c.computation, c.period
    description = (f"Drafted by Levqor: our monitoring measured {comp['uptime_pct']}% monthly uptime for the "
                   f"billing period {period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}, below the SLA.")
    comp["claimed_window"] = {"start": iso(period.start), "end": iso(period.end), "claimed_downtime_minutes": 0}
    return dict(
        user_id=c.user_id, subscription_id=c.sub_id, plan=c.plan, currency=period.currency,
        period_start=period.start, period_end=period.end, claimed_downtime_minutes=0, description=description,
        status="pending", source=SOURCE, billing_period_start=period.start, billing_period_end=period.end,
        period_charge=period.charge, measured_downtime_minutes=comp["down_minutes"],
        measured_degraded_minutes=comp["degraded_minutes"], monthly_uptime_percent=comp["uptime_pct"],
        suggested_credit_amount=comp["suggested_credit"], computation=comp)


def drafts_summary() -> dict:
    """The pending proactive drafts for the console: their count and total per currency."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(SlaCreditRequest.currency, func.count(),
               func.coalesce(func.sum(SlaCreditRequest.suggested_credit_amount), 0))
        .where(SlaCreditRequest.source == SOURCE, SlaCreditRequest.status == "pending")
        .group_by(SlaCreditRequest.currency).order_by(SlaCreditRequest.currency)).all()
    return {"count": sum(n for _, n, _ in rows), "totals": [{"currency": cur, "count": n, "amount": int(total)}
                                                             for cur, n, total in rows]}
