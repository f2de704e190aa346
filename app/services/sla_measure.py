"""What our own monitoring saw over a claimed period, and the credit the SLA tiers suggest.

Rules (shown to staff in each claim's computation):
- Each status snapshot stands for the 5 minutes up to its `ts` (or less, when the previous snapshot is
  closer than 5 minutes). Only the part inside the claimed period counts.
- Time no snapshot covers is "no data": it is reported, never counted as downtime.
- Parts of the period older than STATUS_RAW_RETENTION_DAYS (30) are read from status_rollups (hourly buckets,
  daily ones where no hourly exist) when rollups exist there, since raw snapshots may be pruned. Each
  counted snapshot in a rollup is 5 minutes; partly covered buckets are prorated.
- Uptime % = (measured minutes − down minutes) / measured minutes. "Degraded" is reported beside it
  but does not reduce uptime (the service answered, slowly).
- The credit is the strictest tier whose threshold the uptime falls below, as a percentage of the
  period's fee (see sla.period_fee).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import StatusRollup, StatusSnapshot
from app.models.types import utcnow

SNAPSHOT_SECONDS = 300


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def _from_snapshots(start: datetime, end: datetime) -> dict:
    """Seconds up/degraded/down inside [start, end) as the snapshots cover it."""
    step = timedelta(seconds=SNAPSHOT_SECONDS)
    rows = db.session.execute(
        select(StatusSnapshot.ts, StatusSnapshot.overall_status)
        .where(StatusSnapshot.ts > start - 2 * step, StatusSnapshot.ts < end + step)
        .order_by(StatusSnapshot.ts)
    ).all()
    seconds = {"up": 0.0, "degraded": 0.0, "down": 0.0}
    previous = None
    for ts, level in rows:
        covered_from = ts - step if previous is None else max(ts - step, previous)
        previous = ts
        if level in seconds:
            seconds[level] += _overlap(covered_from, ts, start, end)
    return seconds


def _rollup_component() -> str:
    has_overall = db.session.scalar(select(StatusRollup.id).where(StatusRollup.component == "overall").limit(1))
    return "overall" if has_overall else "api"


def _from_rollups(start: datetime, end: datetime, component: str) -> dict | None:
    """Seconds up/degraded/down inside [start, end) from rollups, or None when there are none there."""
    rows = db.session.scalars(
        select(StatusRollup)
        .where(StatusRollup.component == component, StatusRollup.bucket_start < end,
               StatusRollup.bucket_start > start - timedelta(days=1))
        .order_by(StatusRollup.bucket_start)
    ).all()
    hours = [r for r in rows if r.period == "hour"]
    days = [r for r in rows if r.period == "day"]
    hour_days = {r.bucket_start.date() for r in hours}
    buckets = [(r, timedelta(hours=1)) for r in hours]
    buckets += [(r, timedelta(days=1)) for r in days if r.bucket_start.date() not in hour_days]
    seconds = {"up": 0.0, "degraded": 0.0, "down": 0.0}
    used = False
    for row, length in buckets:
        share = _overlap(row.bucket_start, row.bucket_start + length, start, end) / length.total_seconds()
        if share <= 0:
            continue
        used = True
        for level in seconds:
            seconds[level] += getattr(row, level) * SNAPSHOT_SECONDS * share
    return seconds if used else None


def measure(period_start: datetime, period_end: datetime, now: datetime | None = None) -> dict:
    """Down/degraded/no-data minutes and uptime over the period, with where the numbers came from."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config.get("STATUS_RAW_RETENTION_DAYS", 30))
    parts = []
    totals = {"up": 0.0, "degraded": 0.0, "down": 0.0}
    if period_start < cutoff:
        old_end = min(period_end, cutoff)
        component = _rollup_component()
        rolled = _from_rollups(period_start, old_end, component)
        if rolled is None:
            rolled, source = _from_snapshots(period_start, old_end), "snapshots"
        else:
            source = f"rollups:{component}"
        parts.append({"from": period_start.isoformat(), "to": old_end.isoformat(), "source": source})
        for k in totals:
            totals[k] += rolled[k]
    if period_end > cutoff:
        recent_start = max(period_start, cutoff)
        recent = _from_snapshots(recent_start, period_end)
        parts.append({"from": recent_start.isoformat(), "to": period_end.isoformat(), "source": "snapshots"})
        for k in totals:
            totals[k] += recent[k]

    period_minutes = (period_end - period_start).total_seconds() / 60
    measured = sum(totals.values()) / 60
    down = totals["down"] / 60
    uptime = round((measured - down) / measured * 100, 4) if measured > 0 else None
    return {
        "period_minutes": round(period_minutes),
        "measured_minutes": round(measured),
        "up_minutes": round(totals["up"] / 60),
        "down_minutes": round(down),
        "degraded_minutes": round(totals["degraded"] / 60),
        "no_data_minutes": round(max(0.0, period_minutes - measured)),
        "uptime_pct": uptime,
        "sources": parts,
    }


def credit_pct_for(uptime_pct: float | None, tiers: list[tuple[float, int]] | None = None) -> tuple[int, list | None]:
    """(credit %, the tier applied) — the strictest tier whose threshold the uptime is below."""
    tiers = tiers if tiers is not None else current_app.config["SLA_TIERS"]
    if uptime_pct is None:
        return 0, None
    applied = None
    for below, pct in sorted(tiers, key=lambda t: -t[0]):
        if uptime_pct < below:
            applied = [below, pct]
    return (applied[1], applied) if applied else (0, None)


def suggest(measured: dict, fee: dict) -> dict:
    """The full computation stored on the claim: measured figures, tier, fee basis and the credit."""
    tiers = current_app.config["SLA_TIERS"]
    pct, tier = credit_pct_for(measured["uptime_pct"], tiers)
    credit = round(fee["amount"] * pct / 100)
    return {
        **measured,
        "tiers": [[below, p] for below, p in tiers],
        "tier_applied": tier,
        "credit_pct": pct,
        "period_fee": fee["amount"],
        "currency": fee["currency"],
        "fee_basis": fee["basis"],
        "suggested_credit": credit,
        "rules": "each snapshot covers the 5 minutes up to its time; gaps are no-data, not downtime; "
                 "uptime = (measured - down) / measured; degraded does not reduce uptime",
    }
