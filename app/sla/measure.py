"""Monthly Uptime Percentage of a billing period, from our own status snapshots, and the suggested credit.

Rules (docs/sla-credits.md; shown to staff in each claim's computation):
- Each snapshot stands for the 5 minutes up to its `ts` (less when the previous one is closer).
- A minute is down when any component of SLA_COMPONENTS (default api, database, workflows) was down;
  Stripe and the frontend edge are third parties and never count. A snapshot whose SLA components are
  all `unknown` is no data.
- Excluded minutes: scheduled maintenance windows (parameter `maintenance`, read from
  scheduled_maintenances) and time with no data. No-data is reported with its
  share of the period; above SLA_NO_DATA_MAX_PCT the measurement is flagged as not to be trusted.
- Monthly uptime = (period − excluded − down) / (period − excluded). The part of a current period
  that has not happened yet counts as available time: the figure is provisional until the period ends.
- Parts older than STATUS_RAW_RETENTION_DAYS come from status_rollups when there are rollups there
  (per component; the component with most downtime stands for the hour).
- The credit is the strictest SLA_TIERS tier the uptime is below, as a share of the period's charge.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import StatusRollup, StatusSnapshot
from app.models.status import COMPONENTS, worst_level
from app.models.types import utcnow
from app.sla import events

SNAPSHOT_SECONDS = 300

Window = tuple[datetime, datetime]


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def merge_windows(windows: list[Window], start: datetime, end: datetime) -> list[Window]:
    """Windows clipped to [start, end) and merged, so overlapping maintenances are not excluded twice."""
    clipped = sorted((max(s, start), min(e, end)) for s, e in windows if s < end and e > start)
    merged: list[Window] = []
    for s, e in clipped:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def excluded_seconds(windows: list[Window], s: datetime, e: datetime) -> float:
    return sum(_overlap(ws, we, s, e) for ws, we in windows)


def maintenance_windows(start: datetime, end: datetime, components: tuple[str, ...]) -> list[Window]:
    """Scheduled maintenance touching an SLA component (none listed: the whole service)."""
    return [(_aware(m["starts_at"]), _aware(m["ends_at"])) for m in events.maintenances(start, end)
            if not m["components"] or set(m["components"]) & set(components)]


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def level_of(statuses) -> str | None:
    return worst_level(statuses, default=None)


def _from_snapshots(start: datetime, end: datetime, components, maintenance: list[Window]) -> dict:
    """Seconds up/degraded/down inside [start, end), maintenance time left out."""
    step = timedelta(seconds=SNAPSHOT_SECONDS)
    cols = [StatusSnapshot.column(c) for c in components if c in COMPONENTS]
    rows = db.session.execute(
        select(StatusSnapshot.ts, *cols)
        .where(StatusSnapshot.ts > start - 2 * step, StatusSnapshot.ts < end + step).order_by(StatusSnapshot.ts)
    ).all()
    seconds = {"up": 0.0, "degraded": 0.0, "down": 0.0}
    previous = None
    for ts, *statuses in rows:
        covered_from = ts - step if previous is None else max(ts - step, previous)
        previous = ts
        level = level_of(statuses)
        if level is None:
            continue
        s, e = max(covered_from, start), min(ts, end)
        if e > s:
            seconds[level] += (e - s).total_seconds() - excluded_seconds(maintenance, s, e)
    return seconds


def _from_rollups(start: datetime, end: datetime, components, maintenance: list[Window]) -> dict | None:
    """Seconds from hourly (else daily) rollups; None when there are none there. Maintenance inside a
    bucket is taken off its up time (rollups do not say where in the hour the downtime fell)."""
    rows = db.session.scalars(
        select(StatusRollup).where(StatusRollup.component.in_(components), StatusRollup.bucket_start < end,
                                   StatusRollup.bucket_start > start - timedelta(days=1))
    ).all()
    hour_days = {r.bucket_start.date() for r in rows if r.period == "hour"}
    buckets: dict[tuple, list[StatusRollup]] = {}
    for r in rows:
        if r.period == "hour" or r.bucket_start.date() not in hour_days:
            buckets.setdefault((r.period, r.bucket_start), []).append(r)
    if not buckets:
        return None
    seconds = {"up": 0.0, "degraded": 0.0, "down": 0.0}
    for (period, bucket_start), per_component in buckets.items():
        length = timedelta(hours=1) if period == "hour" else timedelta(days=1)
        s, e = max(bucket_start, start), min(bucket_start + length, end)
        share = max(0.0, (e - s).total_seconds()) / length.total_seconds()
        if share <= 0:
            continue
        worst = max(per_component, key=lambda r: (r.down, r.degraded))
        down, degraded = worst.down * SNAPSHOT_SECONDS * share, worst.degraded * SNAPSHOT_SECONDS * share
        covered = max(r.up + r.degraded + r.down for r in per_component) * SNAPSHOT_SECONDS * share
        up = max(0.0, covered - down - degraded - excluded_seconds(maintenance, s, e))
        for level, value in (("up", up), ("degraded", degraded), ("down", down)):
            seconds[level] += value
    return seconds


def _observed(start: datetime, end: datetime, now: datetime, components, maintenance,
              source=None) -> tuple[dict, list]:
    """Seconds per level over [start, min(end, now)), raw snapshots for recent time, rollups before.
    `source` (app/sla/series.py) answers the same two questions from data loaded once for many periods."""
    from_snapshots = source.snapshots if source is not None else _from_snapshots
    from_rollups = source.rollups if source is not None else _from_rollups
    cutoff = now - timedelta(days=current_app.config.get("STATUS_RAW_RETENTION_DAYS", 30))
    elapsed_end = min(end, now)
    totals, sources = {"up": 0.0, "degraded": 0.0, "down": 0.0}, []
    if start < cutoff:
        old_end = min(elapsed_end, cutoff)
        part = from_rollups(start, old_end, components, maintenance)
        kind = "rollups"
        if part is None:
            part, kind = from_snapshots(start, old_end, components, maintenance), "snapshots"
        sources.append({"from": start.isoformat(), "to": old_end.isoformat(), "source": kind})
        totals = {k: totals[k] + part[k] for k in totals}
    if elapsed_end > max(start, cutoff):
        recent_start = max(start, cutoff)
        part = from_snapshots(recent_start, elapsed_end, components, maintenance)
        sources.append({"from": recent_start.isoformat(), "to": elapsed_end.isoformat(), "source": "snapshots"})
        totals = {k: totals[k] + part[k] for k in totals}
    return totals, sources


def measure_period(start: datetime, end: datetime, *, now: datetime | None = None,
                   maintenance: list[Window] | None = None, source=None) -> dict:
    """The Monthly Uptime Percentage of the billing period [start, end) and every figure behind it.
    Proactive runs pass `source` and the maintenance of their whole span (clipped here) for many periods."""
    now = now or utcnow()
    components = tuple(current_app.config["SLA_COMPONENTS"])
    if maintenance is None:
        maintenance = maintenance_windows(start, end, components)
    maintenance = merge_windows(maintenance, start, end)
    totals, sources = _observed(start, end, now, components, maintenance, source)
    elapsed_end = min(end, now)
    period_s = (end - start).total_seconds()
    elapsed_s = max(0.0, (elapsed_end - start).total_seconds())
    maintenance_s = excluded_seconds(maintenance, start, elapsed_end) if elapsed_s else 0.0
    future_maintenance_s = excluded_seconds(maintenance, elapsed_end, end)
    no_data_s = max(0.0, elapsed_s - maintenance_s - sum(totals.values()))
    excluded_s = maintenance_s + future_maintenance_s + no_data_s
    available_s = period_s - excluded_s
    uptime = round((available_s - totals["down"]) / available_s * 100, 4) if sum(totals.values()) > 0 else None
    no_data_pct = round(no_data_s / period_s * 100, 2) if period_s else 0.0
    minutes = lambda s: round(s / 60)  # noqa: E731
    return {
        "period_minutes": minutes(period_s), "elapsed_minutes": minutes(elapsed_s),
        "maintenance_minutes": minutes(maintenance_s + future_maintenance_s),
        "no_data_minutes": minutes(no_data_s), "no_data_pct": no_data_pct,
        "trusted": no_data_pct <= current_app.config["SLA_NO_DATA_MAX_PCT"],
        "excluded_minutes": minutes(excluded_s), "available_minutes": minutes(available_s),
        "down_minutes": minutes(totals["down"]), "degraded_minutes": minutes(totals["degraded"]),
        "uptime_pct": uptime, "provisional": end > now, "components": list(components), "sources": sources,
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


def suggest(measured: dict, charge: int, currency: str, credited_before: int = 0) -> dict:
    """The tier, the credit it gives on the period's charge, less what other claims of the period got."""
    tiers = current_app.config["SLA_TIERS"]
    pct, tier = credit_pct_for(measured["uptime_pct"], tiers)
    full = round(charge * pct / 100)
    return {
        **measured,
        "tiers": [[below, p] for below, p in tiers], "tier_applied": tier, "credit_pct": pct,
        "period_charge": charge, "currency": currency, "credit_for_period": full,
        "credited_before": credited_before, "suggested_credit": max(0, full - credited_before),
    }
