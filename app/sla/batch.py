"""Many SLA claims approved at once (`POST /api/admin/sla-credit/batch-decision`, the console's drafts, and
SLA_PROACTIVE=auto), each with its suggested credit, credited once and its customer emailed once.

Two steps, so neither a slow Stripe nor a killed worker can leave a claim half-done:
1. `approve`: each pending claim is decided under its row lock, the period cap checked as for one decision
   (staff.check_amount), and left `credit_state: pending` with credit_error QUEUED; committed per chunk.
2. `issue_pending` (the job sla.issue_credits): per claim, under its row lock, only while it is still
   QUEUED or BUSY, asks Stripe with the claim's idempotency key (a rerun after a kill mid-request gets
   Stripe's first answer, not a second credit), commits, then queues the email (one job per claim id).
   On a 429 or 5xx it waits SLA_STRIPE_BACKOFF seconds and asks again; when Stripe stays busy the rest of
   the batch is marked BUSY and `sweep` (every 5 minutes) queues it again. The console counts both states.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from app.common import audit, tasks
from app.common.errors import ValidationFailed
from app.common.inputs import parse_id
from app.extensions import db
from app.models import Invoice, SlaCreditRequest, Subscription
from app.models.sla import ClaimStatus, CreditMethod, CreditState
from app.models.types import utcnow
from app.sla import credit, periods, staff

log = logging.getLogger(__name__)
ISSUE_JOB = "sla.issue_credits"
MAX_IDS = 1000
CHUNK = 200
QUEUED = "Queued: the batch job is making this credit in Stripe."
BUSY = "Stripe is busy; retried automatically every 5 minutes"


def parse(data: dict) -> list[int]:
    fields = {}
    if data.get("status") != ClaimStatus.APPROVED.value:
        fields["status"] = 'Only "approved": reject claims one by one, with a note the customer reads.'
    raw = data.get("ids")
    ids = [parse_id(v) if not isinstance(v, bool) else None for v in raw] if isinstance(raw, list) else None
    if not ids or None in ids:
        fields["ids"] = "A list of claim ids (whole numbers above 0)."
    elif len(ids) > MAX_IDS:
        fields["ids"] = f"At most {MAX_IDS} claims at once."
    if fields:
        raise ValidationFailed("The batch decision needs a few fixes.", fields=fields)
    return list(dict.fromkeys(ids))


def approve(ids: list[int], actor_id: int | None) -> dict:
    """{approved: count, skipped: [{id, reason}], ids: [approved ids]}; actor None is the system (auto)."""
    approved, skipped = [], []
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        db.session.execute(select(SlaCreditRequest.id).where(SlaCreditRequest.id.in_(chunk))
                           .order_by(SlaCreditRequest.id).with_for_update())
        rows = {c.id: c for c in db.session.scalars(
            select(SlaCreditRequest).where(SlaCreditRequest.id.in_(chunk))).unique()}
        caps = _Caps([c for c in rows.values() if c.is_pending()])
        done = []
        for claim_id in chunk:
            reason = _approve_one(rows.get(claim_id), actor_id, caps)
            if reason:
                skipped.append({"id": claim_id, "reason": reason})
            else:
                done.append(claim_id)
        db.session.commit()
        approved.extend(done)
        if done:
            tasks.try_enqueue(ISSUE_JOB, done, key=("batch", done[0], len(done)))
    return {"approved": len(approved), "skipped": skipped, "ids": approved}


class _Caps:
    """The billing periods of a chunk's claims and what each already credited, read in three queries with
    the subscriptions locked (as staff.credited_elsewhere locks one), and kept up to date as the chunk is
    approved, so two claims of one period in a batch cannot together pass its charge."""

    def __init__(self, claims: list[SlaCreditRequest]):
        sub_ids = sorted({c.subscription_id for c in claims if c.subscription_id})
        self.periods: dict[int, list[periods.BillingPeriod]] = {}
        self.credited: dict[tuple, int] = {}
        if not sub_ids:
            return
        db.session.execute(select(Subscription.id).where(Subscription.id.in_(sub_ids))
                           .order_by(Subscription.id).with_for_update())
        invoices: dict[int, list] = {}
        for inv in db.session.scalars(select(Invoice).where(Invoice.subscription_id.in_(sub_ids))
                                      .order_by(Invoice.period_start, Invoice.id)):
            invoices.setdefault(inv.subscription_id, []).append(inv)
        for claim in claims:
            sub = claim.subscription
            if sub is not None and sub.id not in self.periods:
                own = [i for i in invoices.get(sub.id, ()) if i.user_id == sub.user_id and i.period_start
                       and i.period_end]
                self.periods[sub.id] = periods.billing_periods(sub, own)
        rows = db.session.execute(
            select(SlaCreditRequest.subscription_id, SlaCreditRequest.billing_period_start,
                   SlaCreditRequest.billing_period_end, func.sum(SlaCreditRequest.credit_amount))
            .where(SlaCreditRequest.subscription_id.in_(sub_ids),
                   SlaCreditRequest.status == ClaimStatus.APPROVED.value)
            .group_by(SlaCreditRequest.subscription_id, SlaCreditRequest.billing_period_start,
                      SlaCreditRequest.billing_period_end))
        self.credited = {(sub, start, end): int(total or 0) for sub, start, end, total in rows}

    def period(self, claim: SlaCreditRequest) -> periods.BillingPeriod | None:
        """periods.period_of, from what was read for the chunk."""
        if claim.billing_period_start is None:
            return None
        for p in self.periods.get(claim.subscription_id, ()):
            if (p.start, p.end) == (claim.billing_period_start, claim.billing_period_end):
                return p
        return periods.period_of(claim)

    def key(self, claim: SlaCreditRequest) -> tuple:
        return claim.subscription_id, claim.billing_period_start, claim.billing_period_end


def _approve_one(claim: SlaCreditRequest | None, actor_id: int | None, caps: _Caps) -> str | None:
    """None when approved; else why not (nothing changed)."""
    if claim is None:
        return "not_found"
    if not claim.is_pending():
        return f"already_{claim.status}"
    amount = claim.suggested_credit_amount or 0
    if amount <= 0:
        return "no_suggested_credit"
    period = caps.period(claim)
    if period is None:
        return "no_billing_period"
    credited = caps.credited.get(caps.key(claim), 0) if claim.subscription_id else 0
    _, problem = staff.check_amount(amount, period, credited)
    if problem:
        return f"not_creditable: {problem}"
    caps.credited[caps.key(claim)] = credited + amount
    notes = ("Credited automatically: our monitoring measured the billing period below the SLA."
             if actor_id is None else "Approved with the suggested credit.")
    currency = claim.subscription.currency if claim.subscription else claim.currency
    claim.approve(actor_id, amount, currency, notes, utcnow())
    claim.credit_method, claim.credit_state = CreditMethod.BALANCE.value, CreditState.PENDING.value
    claim.credit_error = QUEUED
    audit.record("sla.decided", actor_id=actor_id, target_user_id=claim.user_id, target_type="sla_credit_request",
                 target_id=claim.id, details={"ticket_id": claim.ticket_id, "status": claim.status,
                                              "credit_amount": amount, "currency": claim.currency, "batch": True,
                                              "source": claim.source, "by": "system" if actor_id is None else "staff",
                                              "credit_method": claim.credit_method, "period_charge": period.charge})
    return None


def issue_pending(ids: list[int], sleep=time.sleep) -> dict:
    """Make the queued credits of `ids` in Stripe, in order, backing off while Stripe is busy."""
    delays = tuple(current_app.config.get("SLA_STRIPE_BACKOFF", (2, 5, 15)))
    outcome = {"issued": 0, "pending": 0, "busy": 0, "skipped": 0}
    for n, claim_id in enumerate(ids):
        for attempt in range(len(delays) + 1):
            try:
                outcome[_issue_one(claim_id)] += 1
                break
            except credit.StripeBusy as exc:
                db.session.rollback()
                if attempt == len(delays):
                    outcome["busy"] = _mark_busy(ids[n:], str(exc))
                    log.warning("stripe stayed busy; %d credit(s) left pending for the sweep", outcome["busy"])
                    return outcome
                log.warning("stripe busy (%s); asking again in %ss", exc, delays[attempt])
                sleep(delays[attempt])
    return outcome


def _waiting():
    return or_(SlaCreditRequest.credit_error == QUEUED, SlaCreditRequest.credit_error.like(BUSY + "%"))


def _issue_one(claim_id: int) -> str:
    claim = db.session.scalar(select(SlaCreditRequest).where(SlaCreditRequest.id == claim_id, _waiting())
                              .with_for_update(of=SlaCreditRequest))
    if claim is None or not claim.is_approved() or claim.credit_state != CreditState.PENDING:
        db.session.rollback()
        return "skipped"  # issued, refused for good (staff retry it), or never queued
    method = claim.credit_method or CreditMethod.BALANCE.value
    # A balance credit needs no billing period (only a credit note goes on the period's invoice).
    period = periods.period_of(claim) if method == CreditMethod.CREDIT_NOTE else None
    credit.issue(claim, method, period=period, busy_raises=True)
    audit.record(f"sla.credit_{claim.credit_state}", actor_id=claim.decided_by, target_user_id=claim.user_id,
                 target_type="sla_credit_request", target_id=claim.id,
                 details={"ticket_id": claim.ticket_id, "credit_method": claim.credit_method, "batch": True,
                          "amount": claim.credit_amount, "stripe_ref": claim.stripe_ref, "error": claim.credit_error})
    state, has_user = claim.credit_state, claim.user is not None  # read before the commit expires the row
    db.session.commit()
    if has_user:  # staff.notify_user's job: a proactive claim's mail waits until its credit is issued
        tasks.try_enqueue(staff.MAIL_JOB, claim_id, key=(claim_id,))
    return "issued" if state == CreditState.ISSUED else "pending"


def _mark_busy(ids: list[int], why: str) -> int:
    rows = db.session.scalars(select(SlaCreditRequest).where(SlaCreditRequest.id.in_(ids), _waiting())
                              .with_for_update(of=SlaCreditRequest)).unique().all()
    for claim in rows:
        claim.credit_error = f"{BUSY} ({why})"[:2000]
    db.session.commit()
    return len(rows)


def sweep(now: datetime | None = None, force: bool = False) -> int:
    """Queue again the credits still waiting: BUSY ones, and QUEUED ones whose job is long gone (a killed
    worker, a Redis outage when they were approved). A claim is locked while its credit is made, so a
    second job meeting it skips it. Returns how many were queued."""
    now = now or utcnow()
    query = select(SlaCreditRequest.id).where(SlaCreditRequest.status == ClaimStatus.APPROVED.value,
                                              SlaCreditRequest.credit_state == CreditState.PENDING.value, _waiting())
    if not force:
        query = query.where(or_(SlaCreditRequest.credit_error.like(BUSY + "%"),
                                SlaCreditRequest.decided_at < now - timedelta(minutes=5)))
    ids = list(db.session.scalars(query.order_by(SlaCreditRequest.id)))
    for i in range(0, len(ids), CHUNK):
        tasks.try_enqueue(ISSUE_JOB, ids[i:i + CHUNK], key=("sweep", ids[i], int(now.timestamp()) // 60))
    return len(ids)


def waiting_counts() -> dict:
    """For the console: approved credits still being made ({queued, busy})."""
    base = select(func.count()).select_from(SlaCreditRequest).where(
        SlaCreditRequest.status == ClaimStatus.APPROVED.value,
        SlaCreditRequest.credit_state == CreditState.PENDING.value)
    return {"queued": db.session.scalar(base.where(SlaCreditRequest.credit_error == QUEUED)) or 0,
            "busy": db.session.scalar(base.where(SlaCreditRequest.credit_error.like(BUSY + "%"))) or 0}
