"""/status/maintenance.ics: an iCalendar (RFC 5545) feed of upcoming and recent maintenance windows,
built with the `icalendar` library, so calendar apps show planned work (and drop canceled work)."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import or_, select

from app.extensions import db
from app.models import MaintenanceStatus, ScheduledMaintenance
from app.models.status import COMPONENT_NAMES
from app.models.types import utcnow

RECENT_DAYS = 30


def calendar(now=None) -> bytes:
    """Every window that ends after RECENT_DAYS ago or has not ended, oldest first."""
    now = now or utcnow()
    base = current_app.config["PUBLIC_BASE_URL"]
    name = current_app.config.get("STATUS_PAGE_NAME", "Levqor")
    rows = db.session.scalars(select(ScheduledMaintenance).where(or_(
        ScheduledMaintenance.ends_at >= now - timedelta(days=RECENT_DAYS),
        ScheduledMaintenance.ended_at >= now - timedelta(days=RECENT_DAYS)))
        .order_by(ScheduledMaintenance.starts_at)).all()
    cal = Calendar()
    cal.add("prodid", f"-//{name}//Status page maintenance//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{name} planned maintenance")
    host = urlsplit(base).hostname or "levqor"
    for item in rows:
        event = Event()
        event.add("uid", f"maintenance-{item.id}@{host}")
        event.add("dtstamp", item.updated_at or now)
        event.add("dtstart", item.starts_at)
        event.add("dtend", item.window_end())
        event.add("summary", item.title)
        affected = ", ".join(COMPONENT_NAMES.get(c, c) for c in item.components or []) or "The whole service"
        event.add("description", "\n".join(filter(None, [item.message, f"Affected: {affected}."])))
        event.add("url", f"{base}/status#maintenance-{item.id}")
        event.add("status", "CANCELLED" if item.status == MaintenanceStatus.CANCELED else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
