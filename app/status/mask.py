"""Scheduled maintenance on the public history: the checks made inside a completed or in-progress
maintenance window are left out of uptime and drawn as "maintenance", per component.

One `MaintenanceMask` is loaded per build of the page or of /api/status (the windows in one query, the
raw checks inside them in a second, and, for windows older than raw retention, the hourly rollups
they cover in a third — none at all when there was no maintenance), and every chart and uptime figure
then reads it in memory: no query per bucket.

- A 5-minute check inside a window of its component is not counted; a slot with only such checks (or
  none, inside a window) is "maintenance".
- An hour or day bucket loses what its checks inside windows counted. Where raw checks are past
  retention, the hourly rollups of the hours inside the window are taken out (an hour partly inside, in
  proportion). A bucket keeps an outage measured outside the window; otherwise it is "maintenance" when
  planned work covers at least half of what remains.
- "overall" (the badge without a component): during a window, the service's level is the worst of the
  components not under maintenance, so planned work on one component is not an outage of the whole.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import StatusRollup, StatusSnapshot
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status import maintenance
from app.status.checks import overall_of
from app.status.history import COUNTED, ROLLUP_COMPONENTS, SLOT, floor_to

HOUR = timedelta(hours=1)


def _overlap(spans: list, start: datetime, end: datetime) -> float:
    """Seconds of [start, end) inside the merged spans."""
    return sum(max(0.0, (min(hi, end) - max(lo, start)).total_seconds()) for lo, hi in spans
               if lo < end and hi > start)


def bucket_level(counts: dict) -> str:
    """A bucket's bar: an outage measured outside maintenance is never hidden; otherwise maintenance when
    planned work covers at least half of the bucket's remaining time."""
    for lvl in ("down", "degraded"):
        if counts.get(lvl):
            return lvl
    work = counts.get("maintenance", 0)
    if work and work >= counts.get("up", 0) + counts.get("no_data", 0):
        return "maintenance"
    return "up" if counts.get("up") else "no_data"


class MaintenanceMask:
    """Maintenance spans per component (and "overall"), with the checks they hold."""

    def __init__(self, spans: dict[str, list], rows=(), hours=(), horizon: datetime | None = None):
        self.spans = spans
        self.horizon = horizon
        self._starts = {c: [lo for lo, _ in s] for c, s in spans.items()}
        # Per component: (ts, level removed, level put back or None) of the raw checks inside its windows.
        self.checks: dict[str, list[tuple]] = {c: [] for c in ROLLUP_COMPONENTS}
        for row in rows:
            self._index_check(row)
        self._times = {c: [check[0] for check in checks] for c, checks in self.checks.items()}
        self.hours: dict[str, list[tuple]] = {c: [] for c in ROLLUP_COMPONENTS}
        for r in hours:  # only hours before the horizon are loaded; the part after it has raw checks
            inside = _overlap(self.spans.get(r.component, []), r.bucket_start,
                              min(r.bucket_start + HOUR, horizon or r.bucket_start + HOUR))
            if inside:
                share = inside / HOUR.total_seconds()
                self.hours[r.component].append((r.bucket_start, {k: getattr(r, k) * share for k in
                                                                 (*COUNTED, "no_data")}))

    level = staticmethod(bucket_level)

    def __bool__(self) -> bool:
        return any(self.spans.values())

    def inside(self, component: str, ts: datetime) -> bool:
        i = bisect_right(self._starts.get(component, []), ts) - 1
        return i >= 0 and ts < self.spans[component][i][1]

    def _index_check(self, row) -> None:
        levels = dict(zip(ROLLUP_COMPONENTS, row[1:], strict=True))
        for component in COMPONENTS:
            if self.inside(component, row[0]):
                self.checks[component].append((row[0], levels[component], None))
        if self.inside("overall", row[0]):
            rest = [levels[c] for c in COMPONENTS if not self.inside(c, row[0])]
            back = overall_of(rest) if rest else None
            self.checks["overall"].append((row[0], levels["overall"], back if back in COUNTED else None))

    def adjust(self, component: str, start: datetime, end: datetime, counts: dict, now: datetime) -> dict:
        """A bucket's counts without its maintenance time, plus `maintenance`: the 5-minute slots it covered."""
        spans = self.spans.get(component) or []
        seconds = _overlap(spans, start, min(end, now))
        if not seconds:
            return counts
        out = Counter({k: counts.get(k, 0) for k in (*COUNTED, "no_data")})
        put_back = 0
        if self.horizon is not None and start < self.horizon:  # raw checks are gone: hourly rollups
            for hour, share in self.hours.get(component, []):
                if start <= hour < end:
                    for key, value in share.items():
                        out[key] -= value
            seconds = _overlap(spans, max(start, self.horizon), min(end, now))
        known = 0
        times = self._times.get(component, [])
        for _, removed, back in self.checks[component][bisect_left(times, start):bisect_left(times, end)]:
            if removed in COUNTED:
                out[removed] -= 1
                known += 1
            if back is not None:
                out[back] += 1
                put_back += 1
        out["no_data"] -= max(round(seconds / SLOT.total_seconds()) - known, 0)
        result = {k: max(round(v), 0) for k, v in out.items()}
        result["maintenance"] = max(round(_overlap(spans, start, min(end, now)) / SLOT.total_seconds())
                                    - put_back, 0)
        return result


def load(start: datetime, end: datetime, now: datetime | None = None) -> MaintenanceMask:
    """The mask for every chart and figure inside [start, end)."""
    now = now or utcnow()
    spans = maintenance.windows_by_component(start, end, now)
    if not spans["overall"]:
        return MaintenanceMask(spans)
    horizon = now - timedelta(days=current_app.config.get("STATUS_RAW_RETENTION_DAYS", 30))
    cols = [StatusSnapshot.ts] + [StatusSnapshot.column(c) for c in ROLLUP_COMPONENTS]
    recent = [(max(lo, horizon), hi) for lo, hi in spans["overall"] if hi > horizon]
    rows = db.session.execute(select(*cols).where(or_(
        *(and_(StatusSnapshot.ts >= lo, StatusSnapshot.ts < hi) for lo, hi in recent)))
        .order_by(StatusSnapshot.ts)).all() if recent else []
    old = [(floor_to(lo, "hour"), min(hi, horizon)) for lo, hi in spans["overall"] if lo < horizon]
    hours = db.session.scalars(select(StatusRollup).where(StatusRollup.period == "hour", or_(
        *(and_(StatusRollup.bucket_start >= lo, StatusRollup.bucket_start < hi) for lo, hi in old))))\
        .all() if old else []
    return MaintenanceMask(spans, rows, hours, horizon)
