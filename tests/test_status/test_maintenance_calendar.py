"""Issue 24, point 5 (iCalendar): /status/maintenance.ics lists upcoming and recent maintenance
windows as RFC 5545 events, parsed here by the `icalendar` library as a calendar app would."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from app.common.iso import iso
from app.models.types import utcnow
from app.status import maintenance


def _window(title, starts_in, hours=1, components=("database",)):
    start = utcnow() + starts_in
    return {"title": title, "message": "Writes pause briefly.", "components": list(components),
            "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=hours))}


def test_the_calendar_lists_planned_and_canceled_work(client):
    upgrade = maintenance.schedule(_window("Database upgrade", timedelta(days=2)), None)
    dropped = maintenance.schedule(_window("Queue move", timedelta(days=3), components=()), None)
    maintenance.cancel(dropped.id, None)

    res = client.get("/status/maintenance.ics")
    assert res.status_code == 200 and res.mimetype == "text/calendar"
    cal = Calendar.from_ical(res.data)
    assert str(cal["version"]) == "2.0" and cal["prodid"]
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Database upgrade", "Queue move"}
    event = events["Database upgrade"]
    assert event.decoded("dtstart") == upgrade.starts_at and event.decoded("dtend") == upgrade.ends_at
    assert str(event["uid"]) == f"maintenance-{upgrade.id}@localhost"
    assert "Writes pause briefly." in str(event["description"]) and "Database" in str(event["description"])
    assert str(event["status"]) == "CONFIRMED" and str(events["Queue move"]["status"]) == "CANCELLED"
    assert "The whole service" in str(events["Queue move"]["description"])
