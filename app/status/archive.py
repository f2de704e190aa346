"""The incident history behind /status/history: every incident and scheduled maintenance, grouped by
the month it started in (UTC), three months a page, newest first — Statuspage's history layout.

Pages go back at least 13 months (a year and the month before it, what a customer checking last
year's SLA needs) and further while older incidents exist, so every incident is reachable. Reads go
through status_live.last_good, so the history still answers while PostgreSQL is down.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.common.errors import NotFound
from app.common.iso import iso
from app.extensions import db
from app.models import Incident
from app.models.types import utcnow
from app.status import live, maintenance_feed, serializers

MONTHS_PER_PAGE = 3
MIN_MONTHS_BACK = 13


def month_start(ts: datetime) -> datetime:
    return ts.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(month: datetime, n: int) -> datetime:
    year, index = divmod(month.year * 12 + month.month - 1 + n, 12)
    return month.replace(year=year, month=index + 1)


def _months_between(older: datetime, newer: datetime) -> int:
    return (newer.year - older.year) * 12 + newer.month - older.month


def page_count(now: datetime | None = None) -> int:
    """Pages needed to reach the oldest incident or maintenance, and at least MIN_MONTHS_BACK months."""
    now = now or utcnow()

    def oldest() -> str | None:
        first = db.session.scalar(select(func.min(Incident.started_at)))
        starts = [t for t in (first, maintenance_feed.oldest_start()) if t is not None]
        return iso(min(starts)) if starts else None

    found = live.revive({"oldest_at": live.last_good("history:oldest", oldest, default=None)}).oldest_at
    months = MIN_MONTHS_BACK + 1  # this month plus 13 before it
    if found is not None:
        months = max(months, _months_between(month_start(found), month_start(now)) + 1)
    return -(-months // MONTHS_PER_PAGE)


def history_page(page: int, now: datetime | None = None) -> dict:
    """{page, pages, months: [{start, incidents, maintenances}]} for page 1 (this month and the two
    before it), 2, …; a page past the last is a 404."""
    now = now or utcnow()
    pages = page_count(now)
    if not 1 <= page <= pages:
        raise NotFound(f"The history has {pages} pages.", code="no_such_page")
    newest = add_months(month_start(now), -(page - 1) * MONTHS_PER_PAGE)
    oldest = add_months(newest, -(MONTHS_PER_PAGE - 1))
    end = add_months(newest, 1)

    def load() -> list[dict]:
        rows = db.session.scalars(
            select(Incident).options(selectinload(Incident.updates))
            .where(Incident.started_at >= oldest, Incident.started_at < end)
            .order_by(Incident.started_at.desc(), Incident.id.desc())).all()
        return [serializers.incident(i) for i in rows]

    incidents = live.revive(live.last_good(f"history:{page}:{iso(oldest)}", load, default=[]))
    maintenances = maintenance_feed.in_period(oldest, end)
    months = []
    for n in range(MONTHS_PER_PAGE):
        start = add_months(newest, -n)
        stop = add_months(start, 1)
        months.append({
            "start": start,
            "incidents": [i for i in incidents if start <= i.started_at < stop],
            "maintenances": [m for m in maintenances if start <= m.starts_at < stop],
        })
    return {"page": page, "pages": pages, "months": months}


def page_of(incident_id: int, now: datetime | None = None) -> int:
    """The history page holding an incident (its shortlink redirects there); page 1 while the
    database is down and no copy of the answer exists."""
    now = now or utcnow()

    def load() -> dict:
        item = db.session.get(Incident, incident_id) if 0 < incident_id < 2**31 else None
        return {"started_at": iso(item.started_at) if item else None}

    found = live.revive(live.last_good(f"incident-page:{incident_id}", load,
                                                     default={"started_at": None, "unavailable": True}))
    if getattr(found, "unavailable", False):
        return 1
    if found.started_at is None:
        raise NotFound("No such incident.", code="no_such_incident")
    return _months_between(month_start(found.started_at), month_start(now)) // MONTHS_PER_PAGE + 1
