"""What we ourselves recorded during a claimed window: incidents and scheduled maintenance that overlap it.

Shown to the customer while filing (so they see we know, or that we recorded nothing) and to staff
beside the measurement.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.common.errors import ValidationFailed
from app.common.inputs import parse_time
from app.extensions import db
from app.models import Incident, MaintenanceStatus, ScheduledMaintenance

MAX_WINDOW = timedelta(days=62)  # two billing periods: enough for any claim, bounded for the query


def parse_window(args) -> tuple[datetime, datetime]:
    start, end = parse_time(args.get("period_start")), parse_time(args.get("period_end"))
    fields = {}
    if start is None:
        fields["period_start"] = "Enter the start of the window (ISO 8601)."
    if end is None:
        fields["period_end"] = "Enter the end of the window (ISO 8601)."
    elif start is not None and not start < end <= start + MAX_WINDOW:
        fields["period_end"] = f"The window must end after it starts and last at most {MAX_WINDOW.days} days."
    if fields:
        raise ValidationFailed("The window needs a start and an end.", fields=fields)
    return start, end


def incidents(start: datetime, end: datetime) -> list[Incident]:
    return list(db.session.scalars(
        select(Incident).where(Incident.started_at < end,
                               or_(Incident.resolved_at.is_(None), Incident.resolved_at > start))
        .order_by(Incident.started_at)).unique())


def maintenances(start: datetime, end: datetime) -> list[dict]:
    """Announced maintenance (not canceled) touching [start, end), oldest first."""
    rows = db.session.scalars(select(ScheduledMaintenance).where(
        ScheduledMaintenance.status != MaintenanceStatus.CANCELED,
        ScheduledMaintenance.starts_at < end, ScheduledMaintenance.ends_at > start)
        .order_by(ScheduledMaintenance.starts_at))
    return [{"id": m.id, "title": m.title, "status": m.status, "components": m.components or [],
             "starts_at": m.starts_at, "ends_at": m.ends_at} for m in rows]


def overlapping(start: datetime, end: datetime) -> dict:
    return {"incidents": incidents(start, end), "maintenances": maintenances(start, end)}
