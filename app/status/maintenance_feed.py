"""Scheduled maintenance as the public read surfaces show it: Statuspage's v2 objects and the
maintenances of a period for /status/history.

A maintenance's `incident_updates` are its states as they happened: scheduled (with the message,
when it was announced), in progress (at the start), what staff posted while it ran
(maintenance_updates: in progress, verifying, completed, each with its message), completed (when
the work ended). Every read goes through status_live.last_good.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from app.common.iso import iso
from app.extensions import db
from app.models import MaintenanceStatus, ScheduledMaintenance
from app.models.status import COMPONENT_NAMES
from app.models.types import utcnow
from app.status import live, maintenance

VIEWS = ("all", "upcoming", "active", "summary")
RECENT = 50


def _updates(item: ScheduledMaintenance, state: str) -> list[dict]:
    steps = [("scheduled", item.created_at, item.message or f"{item.title} is scheduled.")]
    if state != "scheduled":
        steps.append(("in_progress", item.starts_at, "Scheduled maintenance is in progress."))
    said = sorted(item.updates, key=lambda u: (u.created_at, u.id))  # what staff posted while it ran
    steps += [(u.status, u.created_at, u.message) for u in said]
    if state == "completed" and not any(u.status == "completed" for u in said):
        steps.append(("completed", item.window_end(), "Scheduled maintenance has been completed."))
    comps = [{"code": c, "name": COMPONENT_NAMES.get(c, c)} for c in item.components or []]
    return [{"id": f"{item.id}-{status}-{n}", "status": status, "body": body, "incident_id": str(item.id),
             "created_at": iso(at), "updated_at": iso(at), "display_at": iso(at), "affected_components": comps,
             "deliver_notifications": True, "custom_tweet": None, "tweet_id": None}
            for n, (status, at, body) in reversed(list(enumerate(steps)))]


def link_path(item: ScheduledMaintenance, now: datetime) -> str:
    """Upcoming work is announced on /status; begun work is on the history page of its month
    (three months a page, as status_archive pages them)."""
    if item.starts_at > now:
        return f"/status#maintenance-{item.id}"
    months = (now.year - item.starts_at.year) * 12 + now.month - item.starts_at.month
    return f"/status/history?page={months // 3 + 1}#maintenance-{item.id}"


def statuspage_object(item: ScheduledMaintenance, now: datetime) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"]
    state = str(item.state_at(now))
    return {
        "id": str(item.id), "name": item.title, "status": state, "impact": "maintenance",
        "created_at": iso(item.created_at), "updated_at": iso(item.updated_at), "monitoring_at": None,
        "started_at": iso(item.starts_at) if state != "scheduled" else None,
        "resolved_at": iso(item.window_end()) if state == "completed" else None,
        "scheduled_for": iso(item.starts_at), "scheduled_until": iso(item.ends_at), "page_id": "levqor",
        "shortlink": f"{base}{link_path(item, now)}",
        "incident_updates": _updates(item, state),
        "components": [{"id": c, "name": COMPONENT_NAMES.get(c, c),
                        "status": "under_maintenance" if state in ("in_progress", "verifying") else "operational",
                        "page_id": "levqor"} for c in item.components or []],
    }


def _rows(which: str, now: datetime) -> list[ScheduledMaintenance]:
    if which == "active":
        return maintenance.active(now)
    if which in ("upcoming", "summary"):
        upcoming = list(db.session.scalars(select(ScheduledMaintenance).where(
            ScheduledMaintenance.status == MaintenanceStatus.SCHEDULED, ScheduledMaintenance.starts_at > now)
            .order_by(ScheduledMaintenance.starts_at)))
        return maintenance.active(now) + upcoming if which == "summary" else upcoming
    return list(db.session.scalars(select(ScheduledMaintenance).where(
        ScheduledMaintenance.status != MaintenanceStatus.CANCELED)
        .order_by(ScheduledMaintenance.starts_at.desc(), ScheduledMaintenance.id.desc()).limit(RECENT)))


def statuspage(which: str = "all") -> list[dict]:
    """Statuspage scheduled_maintenance objects: all (50 most recent, canceled left out), upcoming
    (scheduled), active (in progress), or summary (active and upcoming, as summary.json lists them)."""
    if which not in VIEWS:
        raise ValueError(which)
    now = utcnow()
    return live.last_good(f"v2:maintenances:{which}",
                                 lambda: [statuspage_object(m, now) for m in _rows(which, now)], default=[])


def in_period(start: datetime, end: datetime) -> list:
    """Maintenances (canceled left out) whose window starts in [start, end), newest first."""
    now = utcnow()

    def load() -> list[dict]:
        rows = db.session.scalars(select(ScheduledMaintenance).where(
            ScheduledMaintenance.status != MaintenanceStatus.CANCELED, ScheduledMaintenance.starts_at >= start,
            ScheduledMaintenance.starts_at < end).order_by(ScheduledMaintenance.starts_at.desc())).all()
        return [{"id": m.id, "title": m.title, "message": m.message, "components": m.components or [],
                 "status": str(m.state_at(now)), "starts_at": iso(m.starts_at), "ends_at": iso(m.window_end())}
                for m in rows]

    return live.revive(live.last_good(f"history:maintenances:{iso(start)}", load, default=[]))


def oldest_start() -> datetime | None:
    """When the oldest maintenance started (how far back /status/history pages go)."""
    return db.session.scalar(select(func.min(ScheduledMaintenance.starts_at)).where(
        ScheduledMaintenance.status != MaintenanceStatus.CANCELED))
