"""History of the status page: rollups, retention, uptime math and chart series.

Raw 5-minute snapshots are kept STATUS_RAW_RETENTION_DAYS (30); hourly and daily counts per
component live in status_rollups for STATUS_ROLLUP_RETENTION_DAYS (400). The page reads raw rows
for the last 24 hours only (indexed on ts) and rollups for everything older, so it costs the same
whether the snapshot table holds a day or a year.

Uptime, stated on the page too:
    uptime % = (up + degraded) / (up + degraded + down) over 5-minute checks
"No data" (no snapshot, or the check not configured) is excluded from both sides; degraded counts
as available (the service answered, slowly) and its share is shown separately.

Coverage says how much of a window was measured at all:
    coverage % = (up + degraded + down) / (up + degraded + down + no data)
A bucket (an hour, a day) whose coverage is below PARTIAL_BELOW_PCT is "partial data": it keeps the
worst level that was measured, but the page hatches it and says how many checks ran, so a day with one
"up" check and 287 missing ones is never drawn as a plain green 100 % day.
"""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db
from app.models import StatusRollup, StatusSnapshot
from app.models.status import COMPONENTS, LEVEL_RANK
from app.models.types import utcnow

SLOT = timedelta(minutes=5)
PERIODS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
# Rolled up per component, plus "overall" (the service as a whole, which SLA measurement reads once raw
# snapshots are past retention). The page shows the five components.
ROLLUP_COMPONENTS = (*COMPONENTS, "overall")
COUNTED = ("up", "degraded", "down")
PARTIAL_BELOW_PCT = 50.0  # "mostly missing": fewer than half of a bucket's expected checks ran


def floor_to(ts: datetime, period: str) -> datetime:
    ts = ts.astimezone(UTC)
    if period == "hour":
        return ts.replace(minute=0, second=0, microsecond=0)
    if period == "day":
        return ts.replace(hour=0, minute=0, second=0, microsecond=0)
    return ts.replace(minute=ts.minute - ts.minute % 5, second=0, microsecond=0)  # "slot"


def expected_slots(start: datetime, end: datetime, now: datetime | None = None) -> int:
    """5-minute checks that should exist in [start, end), not counting the future."""
    end = min(end, now or utcnow())
    if end <= start:
        return 0
    return -(-int((end - start).total_seconds()) // int(SLOT.total_seconds()))


def coverage_pct(counts: dict) -> float | None:
    """Share of the expected checks that ran (formula above); None for a window with nothing expected."""
    measured = sum(counts.get(k, 0) for k in COUNTED)
    expected = measured + counts.get("no_data", 0)
    return round(100.0 * measured / expected, 3) if expected else None


def is_partial(counts: dict) -> bool:
    """Some checks ran, but fewer than PARTIAL_BELOW_PCT of those expected."""
    cov = coverage_pct(counts)
    return cov is not None and 0 < cov < PARTIAL_BELOW_PCT


def uptime(counts: dict) -> dict:
    """{uptime_pct, degraded_pct, down_pct, coverage_pct} per the formulas above; None when there is no data."""
    measured = sum(counts.get(k, 0) for k in COUNTED)
    if not measured:
        return {"uptime_pct": None, "degraded_pct": None, "down_pct": None, "measured": 0,
                "no_data": counts.get("no_data", 0), "coverage_pct": coverage_pct(counts)}
    return {
        "uptime_pct": round(100.0 * (counts.get("up", 0) + counts.get("degraded", 0)) / measured, 3),
        "degraded_pct": round(100.0 * counts.get("degraded", 0) / measured, 3),
        "down_pct": round(100.0 * counts.get("down", 0) / measured, 3),
        "measured": measured,
        "no_data": counts.get("no_data", 0),
        "coverage_pct": coverage_pct(counts),
    }


def worst(counts: dict) -> str:
    for level in ("down", "degraded", "up"):
        if counts.get(level):
            return level
    return "no_data"


# --- rollups ----------------------------------------------------------------------------------

def _snapshot_rows(start: datetime, end: datetime):
    cols = [StatusSnapshot.ts] + [StatusSnapshot.column(c) for c in ROLLUP_COMPONENTS]
    return db.session.execute(
        select(*cols).where(StatusSnapshot.ts >= start, StatusSnapshot.ts < end).order_by(StatusSnapshot.ts)
    ).all()


def _count_buckets(rows, period: str) -> dict[tuple[datetime, str], Counter]:
    counts: dict[tuple[datetime, str], Counter] = {}
    for row in rows:
        bucket = floor_to(row[0], period)
        for i, component in enumerate(ROLLUP_COMPONENTS, start=1):
            level = row[i] if row[i] in COUNTED else "no_data"
            counts.setdefault((bucket, component), Counter())[level] += 1
    return counts


def rollup(start: datetime, end: datetime, now: datetime | None = None) -> int:
    """(Re)compute hourly and daily rollups for every bucket touching [start, end). Idempotent."""
    now = now or utcnow()
    written = 0
    for period, size in PERIODS.items():
        first = floor_to(start, period)
        last = min(end, now)
        rows = _snapshot_rows(first, min(floor_to(last, period) + size, now + SLOT))
        counts = _count_buckets(rows, period)
        existing = {
            (r.bucket_start, r.component): r
            for r in db.session.scalars(select(StatusRollup).where(
                StatusRollup.period == period, StatusRollup.bucket_start >= first,
                StatusRollup.bucket_start <= last))
        }
        bucket = first
        while bucket <= last:
            expected = expected_slots(bucket, bucket + size, now)
            for component in ROLLUP_COMPONENTS:
                c = counts.get((bucket, component), Counter())
                known = sum(c[k] for k in COUNTED)
                values = {"up": c["up"], "degraded": c["degraded"], "down": c["down"],
                          "no_data": max(expected - known, 0)}
                row = existing.get((bucket, component))
                if row is None:
                    db.session.add(StatusRollup(period=period, bucket_start=bucket, component=component, **values))
                else:
                    for key, value in values.items():
                        setattr(row, key, value)
                written += 1
            bucket += size
    db.session.flush()
    return written


def catch_up_hours(now: datetime) -> int:
    """How far back a new snapshot should refresh rollups: this hour and the last (late checks), or
    48 hours when the hourly job has not run yet (a fresh install, or demo data just seeded)."""
    earlier = floor_to(now, "hour") - timedelta(hours=2)
    seen = db.session.scalar(select(StatusRollup.id).where(
        StatusRollup.period == "hour", StatusRollup.bucket_start == earlier).limit(1))
    return 1 if seen else 48


def prune(now: datetime | None = None) -> dict:
    now = now or utcnow()
    cfg = current_app.config
    raw_cut = now - timedelta(days=cfg.get("STATUS_RAW_RETENTION_DAYS", 30))
    rollup_cut = now - timedelta(days=cfg.get("STATUS_ROLLUP_RETENTION_DAYS", 400))
    snaps = db.session.execute(delete(StatusSnapshot).where(StatusSnapshot.ts < raw_cut)).rowcount
    rolls = db.session.execute(delete(StatusRollup).where(StatusRollup.bucket_start < rollup_cut)).rowcount
    return {"snapshots_deleted": snaps or 0, "rollups_deleted": rolls or 0}


def rollup_and_prune(hours: int = 48, now: datetime | None = None) -> dict:
    """The hourly job: recompute recent buckets (late snapshots included), then apply retention."""
    now = now or utcnow()
    written = rollup(now - timedelta(hours=hours), now, now=now)
    result = prune(now) | {"rollups_written": written}
    db.session.commit()
    return result


# --- series for the page and the API -----------------------------------------------------------

def series_24h(now: datetime | None = None, mask=None) -> dict[str, dict]:
    """288 five-minute slots per component from raw snapshots: the worst level seen in each slot.

    A slot with no snapshot is `no_data` (the monitor did not run: missed or dropped); a slot whose check
    is not configured is `unknown` (not monitored), so the two never look alike. Both count neither way.
    With a maintenance `mask` (app/status/mask.py), a check inside a window of its component is
    left out, and a slot with nothing else is `maintenance` (counted neither way either)."""
    now = now or utcnow()
    end = floor_to(now, "slot") + SLOT
    start = end - timedelta(hours=24)
    slots = [start + i * SLOT for i in range(288)]
    per: dict[str, dict[datetime, str]] = {c: {} for c in COMPONENTS}
    for row in _snapshot_rows(start, end):
        slot = floor_to(row[0], "slot")
        for i, component in enumerate(COMPONENTS, start=1):
            if mask and mask.inside(component, row[0]):
                continue
            level = row[i] if row[i] in COUNTED or row[i] == "unknown" else "no_data"
            if LEVEL_RANK[level] > LEVEL_RANK[per[component].get(slot, "no_data")]:
                per[component][slot] = level
            else:
                per[component].setdefault(slot, level)
    out = {}
    for component in COMPONENTS:
        points = [(s, per[component].get(s) or _empty_slot(mask, component, s)) for s in slots if s <= now]
        counts = Counter(level for _, level in points)
        out[component] = {"points": points, "counts": dict(counts), **uptime(counts)}
    return out


def _empty_slot(mask, component: str, slot: datetime) -> str:
    """A 5-minute slot with no check counted: planned work when a window of the component covers it."""
    if mask and (mask.inside(component, slot) or mask.inside(component, slot + SLOT - timedelta(seconds=1))):
        return "maintenance"
    return "no_data"


def series_rollup(period: str, buckets: int, now: datetime | None = None, mask=None) -> dict[str, dict]:
    """The last `buckets` hours or days per component from status_rollups (missing → no data); with a
    maintenance `mask`, each bucket without the checks made inside maintenance windows."""
    now = now or utcnow()
    size = PERIODS[period]
    last = floor_to(now, period)
    first = last - (buckets - 1) * size
    rows = db.session.scalars(select(StatusRollup).where(
        StatusRollup.period == period, StatusRollup.bucket_start >= first, StatusRollup.bucket_start <= last))
    found = {(r.bucket_start, r.component): r for r in rows}
    out = {}
    for component in COMPONENTS:
        points, total = [], Counter()
        for i in range(buckets):
            bucket = first + i * size
            row = found.get((bucket, component))
            c = {"up": row.up, "degraded": row.degraded, "down": row.down, "no_data": row.no_data} if row else \
                {"up": 0, "degraded": 0, "down": 0, "no_data": expected_slots(bucket, bucket + size, now)}
            if mask:
                c = mask.adjust(component, bucket, bucket + size, c, now)
            total.update(c)
            points.append((bucket, mask.level(c) if mask else worst(c), c))
        out[component] = {"points": points, "counts": dict(total), **uptime(total)}
    return out


def run_length(points: list, step: timedelta) -> list[dict]:
    """Consecutive points with the same level and the same partial-ness become one run [start, end):
    {start, end, level, slots, partial, counts}. 24-hour points are (slot, level), one check each;
    rollup points are (bucket, level, counts). A quiet day is one run, not 288."""
    runs: list[dict] = []
    for point in points:
        start, level = point[0], point[1]
        counts = point[2] if len(point) > 2 else {level: 1}  # a 5-minute slot: one check, or none
        partial = is_partial(counts)
        if runs and runs[-1]["level"] == level and runs[-1]["partial"] == partial:
            runs[-1]["slots"] += 1
            runs[-1]["end"] = start + step
            runs[-1]["counts"].update(counts)
        else:
            runs.append({"start": start, "end": start + step, "level": level, "slots": 1, "partial": partial,
                         "counts": Counter(counts)})
    return runs
