"""The page's days: each component's 90 day cells (what a tap on one opens: the date, its uptime, the
incidents and maintenance of that day) and the past incidents listed by day for the last 15 days.

A day before monitoring began is "no data", never a warning; the component's uptime says over how many
days it was measured.
"""
from __future__ import annotations

from datetime import timedelta

from app.models.status import COMPONENTS
from app.status.history import COUNTED, floor_to, is_partial, uptime

PAST_DAYS = 15
SLOT_MINUTES = 5


def duration(slots: int) -> str:
    """5-minute slots in words: "15 min", "2 h", "1 h 5 min"."""
    hours, minutes = divmod(slots * SLOT_MINUTES, 60)
    return f"{hours} h {minutes} min" if hours and minutes else f"{hours} h" if hours else f"{minutes} min"


def _affects(item, component: str) -> bool:
    return not item.components or component in item.components


def _on_day(incident, day, end) -> bool:
    """The incident was open at some time during [day, end)."""
    resolved = incident.resolved_at or end
    return incident.started_at < end and resolved >= day


def day_cells(component: str, points: list, incidents: list) -> list[dict]:
    """One cell per day: {date, level, partial, uptime_pct, words (what the day reads as), downtime,
    incidents (of that day, affecting the component), maintenance (minutes, not counted)}."""
    cells = []
    for day, level, counts in points:
        end = day + timedelta(days=1)
        u = uptime(counts)
        measured = sum(counts.get(k, 0) for k in COUNTED)
        notes = [f"{label} {duration(counts[k])}" for k, label in (("down", "Major outage"),
                                                                     ("degraded", "Degraded performance"))
                 if counts.get(k)]
        cells.append({
            "date": day, "level": level if measured or level == "maintenance" else "no_data",
            "partial": is_partial(counts), "uptime_pct": u["uptime_pct"], "notes": notes,
            "checks": measured, "expected": measured + counts.get("no_data", 0),
            "maintenance": duration(counts["maintenance"]) if counts.get("maintenance") else None,
            "incidents": [i for i in incidents if _affects(i, component) and _on_day(i, day, end)],
        })
    return cells


def measured_days(points: list) -> int:
    """Days of the series with at least one check."""
    return sum(1 for _, _, counts in points if any(counts.get(k) for k in COUNTED))


def past_incidents(incidents: list, now) -> list[dict]:
    """[{date, incidents started that day}] for today and the PAST_DAYS - 1 days before, newest first."""
    today = floor_to(now, "day")
    days = []
    for back in range(PAST_DAYS):
        day = today - timedelta(days=back)
        end = day + timedelta(days=1)
        days.append({"date": day, "incidents": sorted(
            (i for i in incidents if day <= i.started_at < end), key=lambda i: i.started_at, reverse=True)})
    return days


def all_components_cells(quarter: dict, incidents: list) -> dict:
    return {c: day_cells(c, quarter[c]["points"], incidents) for c in COMPONENTS}
