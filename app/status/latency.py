"""Response times on /status (issue 23.7): per component, the latency the checks recorded over the last
24 hours (status_snapshots.details[component].latency_ms), as hourly medians for a small server-rendered
SVG, with the figures its text alternative names: the median and the slowest check of the day.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select

from app.extensions import db
from app.models import StatusSnapshot
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status.history import floor_to

HOURS = 24
HOUR_WIDTH = 10  # viewBox units per hour: the chart is 240 x HEIGHT, scaled to the card's width
HEIGHT = 40


def latency_24h(now: datetime | None = None) -> dict[str, dict | None]:
    """{component: chart} for components with at least one timed check in the last 24 hours, else
    None. A chart: `hours` (start, median ms or None), `median_ms`, `slowest_ms`, `slowest_at`,
    `low_ms` and `top_ms` (the lowest and highest hourly median: the scale), `path` (SVG path data;
    an hour without checks is a gap)."""
    now = now or utcnow()
    end = floor_to(now, "hour") + timedelta(hours=1)
    start = end - timedelta(hours=HOURS)
    rows = db.session.execute(select(StatusSnapshot.ts, StatusSnapshot.details)
                              .where(StatusSnapshot.ts >= start, StatusSnapshot.ts < end)).all()
    samples: dict[str, list[tuple[datetime, float]]] = {c: [] for c in COMPONENTS}
    for ts, details in rows:
        for component in COMPONENTS:
            value = ((details or {}).get(component) or {}).get("latency_ms")
            if isinstance(value, int | float) and value >= 0:
                samples[component].append((ts, float(value)))
    return {c: chart(samples[c], start) if samples[c] else None for c in COMPONENTS}


def chart(samples: list[tuple[datetime, float]], start: datetime) -> dict:
    by_hour: list[list[float]] = [[] for _ in range(HOURS)]
    for ts, ms in samples:
        index = int((ts - start).total_seconds() // 3600)
        if 0 <= index < HOURS:
            by_hour[index].append(ms)
    hours = [{"start": start + timedelta(hours=i), "median_ms": median(v) if v else None}
             for i, v in enumerate(by_hour)]
    slowest_at, slowest = max(samples, key=lambda s: s[1])
    medians = [h["median_ms"] for h in hours if h["median_ms"] is not None]
    top = max(medians) or 1.0
    return {"hours": hours, "median_ms": median(ms for _, ms in samples), "slowest_ms": slowest,
            "slowest_at": slowest_at, "low_ms": min(medians), "top_ms": top, "checks": len(samples),
            "path": _path(hours, top)}


def _path(hours: list[dict], top: float) -> str:
    """M/L commands through each hour's median (x at the middle of the hour); a new M after a gap."""
    parts, drawing = [], False
    for i, hour in enumerate(hours):
        if hour["median_ms"] is None:
            drawing = False
            continue
        x = i * HOUR_WIDTH + HOUR_WIDTH / 2
        y = HEIGHT - 2 - (HEIGHT - 4) * hour["median_ms"] / top
        parts.append(f"{'L' if drawing else 'M'}{x:g} {y:.1f}")
        drawing = True
    return " ".join(parts)


def ms(value: float | None) -> str:
    """A latency in words: "42 ms", "1,010 ms"."""
    return "no data" if value is None else f"{round(value):,} ms"
