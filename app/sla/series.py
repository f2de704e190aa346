"""The snapshots of a whole span loaded once, answering measure.py's question for any window in it.

A proactive run measures thousands of billing periods that overlap heavily (anchors spread over the
month). Asking the database for each one would read the same rows thousands of times, so this reads the
span once and keeps, per level, a cumulative sum of the seconds each snapshot stands for (maintenance
already taken off): a window's total is two subtractions plus its two edge snapshots, clipped exactly as
measure._from_snapshots clips them. The arithmetic after that (no data, excluded time, uptime, tiers) is
measure.measure_period's own: `measure_period(..., source=series)`. A test checks both agree.

Rollups (parts older than STATUS_RAW_RETENTION_DAYS) are asked per window, as measure.py does, and only
when the span holds any.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import StatusRollup, StatusSnapshot
from app.models.status import COMPONENTS, worst_level
from app.sla import measure

LEVELS = ("up", "degraded", "down")


class SnapshotSeries:
    def __init__(self, start: datetime, end: datetime, components: tuple[str, ...], maintenance: list):
        step = timedelta(seconds=measure.SNAPSHOT_SECONDS)
        self.maintenance = measure.merge_windows(maintenance, start - 2 * step, end + step)
        cols = [StatusSnapshot.column(c) for c in components if c in COMPONENTS]
        rows = db.session.execute(
            select(StatusSnapshot.ts, *cols)
            .where(StatusSnapshot.ts > start - 2 * step, StatusSnapshot.ts < end + step).order_by(StatusSnapshot.ts)
        ).all()
        self.froms: list[datetime] = []  # each snapshot stands for [froms[i], tos[i])
        self.tos: list[datetime] = []
        self.levels: list[str | None] = []
        self.sums = {level: [0.0] for level in LEVELS}  # sums[level][i]: seconds of snapshots before i
        previous = None
        for ts, *statuses in rows:
            covered_from = ts - step if previous is None else max(ts - step, previous)
            previous = ts
            level = worst_level(statuses, default=None)
            self.froms.append(covered_from)
            self.tos.append(ts)
            self.levels.append(level)
            value = self._seconds(covered_from, ts) if level is not None else 0.0
            for name in LEVELS:
                self.sums[name].append(self.sums[name][-1] + (value if name == level else 0.0))
        self.has_rollups = db.session.scalar(
            select(StatusRollup.id).where(StatusRollup.component.in_(components), StatusRollup.bucket_start < end,
                                          StatusRollup.bucket_start > start - timedelta(days=1)).limit(1)) is not None

    def _seconds(self, s: datetime, e: datetime) -> float:
        return (e - s).total_seconds() - measure.excluded_seconds(self.maintenance, s, e)

    def snapshots(self, start: datetime, end: datetime, components, maintenance) -> dict:
        """measure._from_snapshots(start, end, ...) from the sums. `maintenance` is the window's, already
        merged: the same windows as this span's, clipped, so the overlap with any part of it is the same."""
        first = bisect_left(self.froms, start)  # the first snapshot starting inside the window
        last = bisect_right(self.tos, end)  # snapshots [first, last) end inside it too
        seconds = {level: 0.0 for level in LEVELS}
        if first < last:
            for level in LEVELS:
                seconds[level] = self.sums[level][last] - self.sums[level][first]
            edges = {first - 1, last}
        else:
            edges = {first - 1, first, last}
        for i in edges:  # snapshots straddling an edge: clipped, as measure._from_snapshots clips them
            if 0 <= i < len(self.tos) and self.levels[i] is not None:
                s, e = max(self.froms[i], start), min(self.tos[i], end)
                if e > s:
                    seconds[self.levels[i]] += self._seconds(s, e)
        return seconds

    def rollups(self, start: datetime, end: datetime, components, maintenance) -> dict | None:
        if not self.has_rollups:
            return None
        return measure._from_rollups(start, end, components, maintenance)
