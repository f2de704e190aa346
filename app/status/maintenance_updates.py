"""Updates while a maintenance window runs: in_progress → verifying → completed, each with a message,
and extending a window that overruns (SPEC: POST /api/admin/maintenances/<id>/updates).

Each update is a row of the window's timeline (maintenance_updates), audited, and announced to
subscribers through the outbox like every status change: "Maintenance update", "Maintenance extended"
(with the new end), or "Maintenance completed".
"""
from __future__ import annotations

from app.common import audit
from app.common.errors import Conflict, NotFound, ValidationFailed
from app.common.iso import iso
from app.extensions import db
from app.models import MaintenanceStatus, MaintenanceUpdate, ScheduledMaintenance
from app.models.types import utcnow
from app.status import cache, events
from app.status.maintenance import MAX_LENGTH, MAX_MESSAGE, _parse_time

STATES = ("in_progress", "verifying", "completed")
FIELDS = ("status", "message", "ends_at")


def _clean(data: dict) -> tuple[str, str, object]:
    fields = {key: f"Unknown field; use {', '.join(FIELDS)}." for key in data if key not in FIELDS}
    status, message = data.get("status"), data.get("message")
    if status not in STATES:
        fields["status"] = f"Use one of: {', '.join(STATES)}."
    if not isinstance(message, str) or not message.strip() or len(message.strip()) > MAX_MESSAGE:
        fields["message"] = f"Required: what users should know, 1 to {MAX_MESSAGE} characters."
    ends_at = None
    if data.get("ends_at") not in (None, ""):
        ends_at = _parse_time(data["ends_at"], "ends_at", fields)
        if ends_at is not None and status == "completed":
            fields["ends_at"] = "A completed window ends now; extend only a window that is still running."
    if fields:
        raise ValidationFailed("The maintenance update was not saved.", fields=fields)
    return status, message.strip(), ends_at


def _locked(maintenance_id: int) -> ScheduledMaintenance:
    item = (db.session.get(ScheduledMaintenance, maintenance_id, with_for_update=True, populate_existing=True)
            if 0 < maintenance_id < 2**31 else None)
    if item is None:
        raise NotFound("No such maintenance.")
    return item


def _extend(item: ScheduledMaintenance, ends_at, now) -> None:
    if ends_at <= max(item.ends_at, now):
        raise ValidationFailed("The maintenance update was not saved.", fields={
            "ends_at": f"Must be later than the current end ({iso(item.ends_at)}): extend, never shorten."})
    if ends_at - item.starts_at > MAX_LENGTH:
        raise ValidationFailed("The maintenance update was not saved.", fields={
            "ends_at": "A maintenance window lasts at most 7 days; announce longer work as several."})
    item.ends_at = ends_at


def post(maintenance_id: int, data: dict, actor_id: int | None) -> tuple[ScheduledMaintenance, MaintenanceUpdate]:
    """An update on a running window (409 `maintenance_not_in_progress` before it starts or once it ended)."""
    status, message, ends_at = _clean(data)
    item, now = _locked(maintenance_id), utcnow()
    if not item.is_running(now):
        db.session.rollback()
        raise Conflict("Only a maintenance under way takes updates; edit or cancel one that has not started.",
                       code="maintenance_not_in_progress")
    before = iso(item.ends_at)
    try:
        if ends_at is not None:
            _extend(item, ends_at, now)
    except ValidationFailed:
        db.session.rollback()
        raise
    item.status = MaintenanceStatus(status)
    if status == "completed":
        item.ended_at = now
    added = MaintenanceUpdate(status=status, message=message, ends_at=ends_at, created_by_id=actor_id, created_at=now)
    item.updates.insert(0, added)
    db.session.flush()
    kind = "completed" if status == "completed" else "extended" if ends_at is not None else "update"
    events.record(f"maintenance.{kind}", "maintenance", item.id, item.components, added.id)
    audit.record(f"maintenance.{kind}", actor_id=actor_id, target_type="maintenance", target_id=item.id,
                 details={"title": item.title, "status": status,
                          **({"ends_at": {"before": before, "after": iso(ends_at)}} if ends_at else {})})
    db.session.commit()
    cache.invalidate()
    events.dispatch_recorded()
    return item, added
