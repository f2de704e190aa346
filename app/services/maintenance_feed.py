"""Scheduled maintenance as the public read surfaces show it: Statuspage's v2 objects, the
components under maintenance right now, and the maintenances of a period for /status/history.

Until the scheduled_maintenances table exists there is nothing to show, and each answer is empty in
the right shape, so clients and pages need no change when it arrives.
"""
from __future__ import annotations

from datetime import datetime

VIEWS = ("all", "upcoming", "active", "summary")


def statuspage(which: str = "all") -> list[dict]:
    """Statuspage scheduled_maintenance objects: all (50 most recent), upcoming, active, or
    summary (upcoming and active, as summary.json lists them)."""
    if which not in VIEWS:
        raise ValueError(which)
    return []


def components_under_maintenance() -> set[str]:
    return set()


def in_period(start: datetime, end: datetime) -> list:
    """Maintenances whose window starts in [start, end), newest first (for /status/history)."""
    return []


def oldest_start() -> datetime | None:
    """When the oldest maintenance started (how far back /status/history pages go)."""
    return None
