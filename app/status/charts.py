"""The history the page and /api/status show: 24-hour and 7-day segments, and uptime over 24 h, 7, 30
and 90 days, with scheduled maintenance left out (rollups and the uptime math are in history.py).
"""
from __future__ import annotations

from datetime import timedelta

from app.common.errors import ValidationFailed
from app.common.iso import iso
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status import history as status_history
from app.status import mask as status_mask

WINDOWS = {"24h": ("5m", 288), "7d": ("1h", 168)}


def history(window: str, now=None, mask=None) -> dict:
    if window not in WINDOWS:
        raise ValidationFailed("window must be 24h or 7d.", code="invalid_window",
                               fields={"window": "Use 24h or 7d."})
    resolution, _ = WINDOWS[window]
    now = now or utcnow()
    mask = mask if mask is not None else maintenance_mask(now)
    step = timedelta(minutes=5) if window == "24h" else timedelta(hours=1)
    series = status_history.series_24h(now, mask) if window == "24h" else \
        status_history.series_rollup("hour", 168, now, mask)
    out = {"window": window, "resolution": resolution,
           "formula": "uptime_pct = (up + degraded) / (up + degraded + down); no_data and maintenance excluded",
           "coverage_formula": "coverage_pct = (up + degraded + down) / (up + degraded + down + no_data); "
                               f"a segment below {status_history.PARTIAL_BELOW_PCT:g} % is partial data",
           "components": {}}
    for component, s in series.items():
        out["components"][component] = {
            "uptime_pct": s["uptime_pct"], "degraded_pct": s["degraded_pct"], "down_pct": s["down_pct"],
            "coverage_pct": s["coverage_pct"],
            "counts": {k: s["counts"].get(k, 0) for k in ("up", "degraded", "down", "no_data", "unknown",
                                                          "maintenance")},
            "segments": segments(s["points"], step),
        }
    return out


def segments(points: list, step: timedelta) -> list[dict]:
    """Run-length encode a series: consecutive buckets with the same level (and partial-ness) become one
    segment [start, end) with the number of buckets (`slots`) and the share of its checks that ran
    (`coverage_pct`). Lossless, and a quiet day is one entry."""
    return [{"start": iso(run["start"]), "end": iso(run["end"]), "status": run["level"], "slots": run["slots"],
             "partial": run["partial"], "coverage_pct": status_history.coverage_pct(run["counts"])}
            for run in status_history.run_length(points, step)]


UPTIME_WINDOWS = ("24h", "7d", "30d", "90d")


def maintenance_mask(now=None) -> status_mask.MaintenanceMask:
    """Maintenance windows (and the checks inside them) over everything /status shows: 90 days."""
    now = now or utcnow()
    return status_mask.load(status_history.floor_to(now, "day") - timedelta(days=90), now, now)


def uptime_windows(now=None, series: dict | None = None, mask=None) -> dict[str, dict[str, float | None]]:
    """Per component, uptime % over the last 24 h (5-minute checks), 7 days (hourly rollups), 30 and
    90 days (daily rollups), maintenance left out; None where nothing was measured. `series` reuses
    charts already read (with the same mask)."""
    now = now or utcnow()
    series = dict(series or {})
    if mask is None and any(series.get(w) is None for w in UPTIME_WINDOWS):
        mask = maintenance_mask(now)
    readers = {"24h": lambda: status_history.series_24h(now, mask),
               "7d": lambda: status_history.series_rollup("hour", 168, now, mask),
               "30d": lambda: status_history.series_rollup("day", 30, now, mask),
               "90d": lambda: status_history.series_rollup("day", 90, now, mask)}
    for window in UPTIME_WINDOWS:
        if series.get(window) is None:
            series[window] = readers[window]()
    return {c: {w: series[w][c]["uptime_pct"] for w in UPTIME_WINDOWS} for c in COMPONENTS}
