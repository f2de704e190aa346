"""Scheduled maintenance: staff announce planned work; the status page shows it, components under it
read "under maintenance" rather than down, and its window is left out of uptime and SLA measurement.

Every change is audited and refreshes the status caches.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select

from app.common import audit
from app.common.errors import Conflict, NotFound, ValidationFailed
from app.common.iso import iso
from app.extensions import db
from app.models import MaintenanceStatus, ScheduledMaintenance
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status import cache, events

MAX_TITLE = 200
MAX_MESSAGE = 5000
MAX_LENGTH = timedelta(days=7)
MAX_AHEAD = timedelta(days=366)
UPCOMING_DAYS = 14
OPEN_STATES = (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)


def _parse_time(value, name: str, fields: dict) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        fields[name] = "Required: an ISO 8601 date and time, e.g. 2026-12-01T02:00:00Z."
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        fields[name] = "Not an ISO 8601 date and time (e.g. 2026-12-01T02:00:00Z)."
        return None
    if not 2000 <= parsed.year <= 2100:
        fields[name] = "Out of range."
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _clean(data: dict, now: datetime) -> dict:
    """Validated fields of a maintenance, or ValidationFailed naming every bad field."""
    fields: dict[str, str] = {}
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > MAX_TITLE:
        fields["title"] = f"Give a title of 1 to {MAX_TITLE} characters."
    message = data.get("message") or ""
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        fields["message"] = f"Keep the message under {MAX_MESSAGE} characters."
    components = data.get("components") or []
    if not isinstance(components, list) or any(c not in COMPONENTS for c in components):
        fields["components"] = f"A list of components among {', '.join(COMPONENTS)} (empty: the whole service)."
    starts, ends = _parse_time(data.get("starts_at"), "starts_at", fields), \
        _parse_time(data.get("ends_at"), "ends_at", fields)
    if starts and ends:
        if ends <= starts:
            fields["ends_at"] = "Must be after starts_at."
        elif ends - starts > MAX_LENGTH:
            fields["ends_at"] = "A maintenance window lasts at most 7 days; announce longer work as several."
        elif ends <= now:
            fields["ends_at"] = "Must be in the future."
        elif starts - now > MAX_AHEAD:
            fields["starts_at"] = "Schedule at most a year ahead."
    if fields:
        raise ValidationFailed("The maintenance was not saved.", fields=fields)
    return {"title": title.strip(), "message": message.strip() or None,
            "components": [c for c in COMPONENTS if c in components], "starts_at": starts, "ends_at": ends}


def get(maintenance_id: int) -> ScheduledMaintenance:
    item = db.session.get(ScheduledMaintenance, maintenance_id) if 0 < maintenance_id < 2**31 else None
    if item is None:
        raise NotFound("No such maintenance.")
    return item


def _changed(item: ScheduledMaintenance, action: str, actor_id: int | None, details: dict | None = None) -> None:
    audit.record(action, actor_id=actor_id, target_type="maintenance", target_id=item.id,
                 details={"title": item.title, **(details or {})})
    events.record(action, "maintenance", item.id, item.components)
    db.session.commit()
    cache.invalidate()
    events.dispatch_recorded()


def schedule(data: dict, actor_id: int | None) -> ScheduledMaintenance:
    item = ScheduledMaintenance(**_clean(data, utcnow()), created_by_id=actor_id)
    db.session.add(item)
    db.session.flush()
    _changed(item, "maintenance.scheduled", actor_id,
             {"starts_at": iso(item.starts_at), "ends_at": iso(item.ends_at), "components": item.components})
    return item


def update(maintenance_id: int, data: dict, actor_id: int | None) -> ScheduledMaintenance:
    """Only before it starts: once work is under way, complete it early instead."""
    item, now = get(maintenance_id), utcnow()
    if not item.can_edit(now):
        raise Conflict("Only a maintenance that has not started can be changed.", code="maintenance_started")
    before = {"title": item.title, "starts_at": iso(item.starts_at), "ends_at": iso(item.ends_at),
              "components": item.components, "message": item.message}
    for key, value in _clean(data, now).items():
        setattr(item, key, value)
    if iso(item.starts_at) != before["starts_at"]:
        item.reminded_at = None  # a new start time earns a new reminder
    after = {"title": item.title, "starts_at": iso(item.starts_at), "ends_at": iso(item.ends_at),
             "components": item.components, "message": item.message}
    _changed(item, "maintenance.updated", actor_id,
             {"before": {k: v for k, v in before.items() if after[k] != v},
              "after": {k: v for k, v in after.items() if before[k] != v}})
    return item


def cancel(maintenance_id: int, actor_id: int | None) -> ScheduledMaintenance:
    item = get(maintenance_id)
    if not item.can_cancel(utcnow()):
        raise Conflict("Only a maintenance that has not started can be canceled; complete it instead.",
                       code="maintenance_not_scheduled")
    item.status = MaintenanceStatus.CANCELED
    _changed(item, "maintenance.canceled", actor_id)
    return item


def complete(maintenance_id: int, actor_id: int | None) -> ScheduledMaintenance:
    item, now = get(maintenance_id), utcnow()
    if not item.can_complete(now):
        raise Conflict("Only a maintenance in progress can be completed.", code="maintenance_not_in_progress")
    item.status, item.ended_at = MaintenanceStatus.COMPLETED, now
    _changed(item, "maintenance.completed", actor_id, {"ended_at": iso(now)})
    return item


def advance(now: datetime | None = None) -> dict:
    """Persist the clock's transitions (scheduled → in_progress → completed); idempotent."""
    now = now or utcnow()
    moved = {"started": 0, "completed": 0}
    rows = db.session.scalars(select(ScheduledMaintenance).where(
        ScheduledMaintenance.status.in_(OPEN_STATES), ScheduledMaintenance.starts_at <= now)).all()
    for item in rows:
        state = item.state_at(now)
        if state != item.status and state != MaintenanceStatus.VERIFYING:
            moved["started" if state == MaintenanceStatus.IN_PROGRESS else "completed"] += 1
            item.status = state
            audit.record(f"maintenance.{'started' if state == MaintenanceStatus.IN_PROGRESS else 'ended'}",
                         actor_id=None, target_type="maintenance", target_id=item.id, details={"title": item.title})
            # Missed the whole window (no scheduler for a while): "completed" alone says it all.
            events.record(f"maintenance.{state}".replace("in_progress", "started"), "maintenance",
                                 item.id, item.components)
    db.session.commit()
    if any(moved.values()):
        cache.invalidate()
        events.dispatch_recorded()
    return moved


def active(now: datetime | None = None) -> list[ScheduledMaintenance]:
    now = now or utcnow()
    rows = db.session.scalars(select(ScheduledMaintenance).where(
        ScheduledMaintenance.status.in_(OPEN_STATES),
        ScheduledMaintenance.starts_at <= now, ScheduledMaintenance.ends_at > now)
        .order_by(ScheduledMaintenance.starts_at)).all()
    return [m for m in rows if m.is_running(now)]


def upcoming(now: datetime | None = None, days: int = UPCOMING_DAYS) -> list[ScheduledMaintenance]:
    now = now or utcnow()
    return list(db.session.scalars(select(ScheduledMaintenance).where(
        ScheduledMaintenance.status == MaintenanceStatus.SCHEDULED, ScheduledMaintenance.starts_at > now,
        ScheduledMaintenance.starts_at <= now + timedelta(days=days)).order_by(ScheduledMaintenance.starts_at)))


def _counted(start: datetime, end: datetime, now: datetime) -> list[ScheduledMaintenance]:
    """Maintenance that already counts inside [start, end): started (in progress or completed), not canceled."""
    rows = db.session.scalars(select(ScheduledMaintenance).where(
        ScheduledMaintenance.status != MaintenanceStatus.CANCELED,
        ScheduledMaintenance.starts_at < min(end, now), or_(
            ScheduledMaintenance.ends_at > start, ScheduledMaintenance.ended_at > start))).all()
    return [m for m in rows if m.state_at(now) != MaintenanceStatus.SCHEDULED]


def _merge(rows, start: datetime, end: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
    spans = sorted((max(m.starts_at, start), min(m.window_end(), end, now)) for m in rows)
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def windows(start: datetime, end: datetime, component: str | None = None) -> list[tuple[datetime, datetime]]:
    """The maintenance time inside [start, end) (of one component, or any), merged: what uptime and SLA
    measurement leave out. Canceled and not-yet-started work excludes nothing."""
    now = utcnow()
    rows = _counted(start, end, now)
    return _merge([m for m in rows if component is None or m.affects(component)], start, end, now)


def windows_by_component(start: datetime, end: datetime, now: datetime | None = None) -> dict[str, list]:
    """windows() for every component at once, plus "overall" (any component under maintenance), from
    one query: what the public history reads once per build of the page."""
    now = now or utcnow()
    rows = _counted(start, end, now)
    out = {c: _merge([m for m in rows if m.affects(c)], start, end, now) for c in COMPONENTS}
    out["overall"] = _merge(rows, start, end, now)
    return out
