"""What /status and GET /api/status show, assembled from the measured state, what staff declared, the
history, incidents and maintenance. Readers go through the cache (cache.py); writers invalidate it.
While the database is down, each part falls back to its last good copy (live.py).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Incident
from app.models.status import COMPONENT_NAMES, COMPONENTS
from app.models.types import utcnow
from app.status import days, latency, maintenance, serializers
from app.status import history as status_history
from app.status import live as status_live
from app.status.charts import history, maintenance_mask, uptime_windows
from app.status.declared import declared_state, headline
from app.status.serializers import maintenance as maintenance_json
from app.status.state import current

RECENT_INCIDENT_DAYS = 90  # the 90-day bar opens each day's incidents


def incidents_for_page(now=None) -> tuple[list, list]:
    """(open incidents, resolved incidents of the last RECENT_INCIDENT_DAYS), newest first. While the
    database is down, the last good copy (objects that read like the rows)."""
    now = now or utcnow()
    since = now - timedelta(days=RECENT_INCIDENT_DAYS)

    def load() -> list[dict]:
        rows = db.session.scalars(
            select(Incident).options(selectinload(Incident.updates))
            .where(or_(Incident.status != "resolved", Incident.resolved_at >= since, Incident.started_at >= since))
            .order_by(Incident.started_at.desc()).limit(50)
        ).all()
        return [serializers.incident(i) for i in rows]

    rows = status_live.revive(status_live.last_good("incidents", load, default=[]))
    return [i for i in rows if i.status != "resolved"], [i for i in rows if i.status == "resolved"]


def maintenance_for_page(now=None) -> dict:
    """Maintenance in progress and in the next 14 days, as JSON (the last good copy while the
    database is down)."""
    now = now or utcnow()

    def load() -> dict:
        return {"active": [maintenance_json(m, now) for m in maintenance.active(now)],
                "upcoming": [maintenance_json(m, now) for m in maintenance.upcoming(now)]}

    return status_live.last_good("maintenance", load, default={"active": [], "upcoming": []})


def status_payload(window: str = "24h") -> dict:
    """The body of GET /api/status (SPEC), uncached."""
    open_incidents, _ = incidents_for_page()
    works = maintenance_for_page()
    state = declared_state(current(), open_incidents, works["active"])
    unavailable = {"window": window, "unavailable": True, "components": {}}
    now, masks = utcnow(), []

    def mask():  # read once for both, inside each loader so a database outage falls back as before
        if not masks:
            masks.append(maintenance_mask(now))
        return masks[0]

    past = status_live.last_good(f"history:{window}", lambda: history(window, now, mask()), default=unavailable)
    uptime = status_live.last_good("uptime", lambda: uptime_windows(now, mask=mask()), default={})
    return serializers.status_body(state, open_incidents, past) | {"maintenance": works, "uptime": uptime}


def recent_checks(now=None) -> dict:
    """The 24-hour and 7-day views (/status/history): {"day", "week"} series, or {} while the database
    is down (the page then shows the incident history alone)."""
    now = now or utcnow()

    def read() -> dict:
        mask = maintenance_mask(now)
        return {"day": status_history.series_24h(now, mask),
                "week": status_history.series_rollup("hour", 168, now, mask)}

    return status_live.from_database(read, dict)


def page_context(now=None) -> dict:
    """Everything status.html needs, computed once per cache period. While the database is down the
    90-day bars are left out (the page says so) and the rest comes from the newest check."""
    now = now or utcnow()
    open_incidents, recent = incidents_for_page(now)
    works = status_live.revive(maintenance_for_page(now))
    state = declared_state(current(now), open_incidents, works.active)
    everything = open_incidents + recent
    quarter = status_live.from_database(
        lambda: status_history.series_rollup("day", 90, now, maintenance_mask(now)), lambda: None)
    cells = measured = response_times = None
    if quarter is not None:
        response_times = status_live.from_database(lambda: latency.latency_24h(now), lambda: None)
        cells = days.all_components_cells(quarter, everything)
        measured = {c: days.measured_days(quarter[c]["points"]) for c in COMPONENTS}
    return {
        "state": state, "headline": headline(state), "names": COMPONENT_NAMES,
        "components": COMPONENTS, "now": now, "quarter": quarter, "cells": cells, "measured_days": measured,
        "past": days.past_incidents(everything, now), "maintenance_upcoming": works.upcoming,
        "latency": response_times,
    }
