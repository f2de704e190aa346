"""Incidents: what staff report, and the banners every public page shows."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Incident, IncidentUpdate
from app.models.types import utcnow
from app.serializers import status as serializers
from app.services import audit, maintenance, status_cache, status_events, status_live

RESOLVED_BANNER_HOURS = 24


def active_banners() -> list[dict]:
    """Open incidents, then ones resolved in the last 24 hours, newest first (served from the cache)."""
    return json.loads(status_cache.get_or_build(
        "banners", lambda: json.dumps(status_live.last_good("banners", load_banners, default=[]))))


def load_banners() -> list[dict]:
    """Open incidents first, then ones resolved in the last 24 hours, newest first (uncached)."""
    since = utcnow() - timedelta(hours=RESOLVED_BANNER_HOURS)
    rows = db.session.scalars(
        select(Incident)
        .where(or_(Incident.status != "resolved", Incident.resolved_at >= since))
        .order_by((Incident.status == "resolved").asc(), Incident.started_at.desc())
        .limit(5)
    ).all()
    works = [serializers.maintenance_banner(m) for m in maintenance.active()]
    return works + [serializers.banner(i) for i in rows]


def apply_change(incident: Incident, is_created: bool, actor_id: int | None) -> None:
    """Keep resolved_at in step with status and add the message to the incident's timeline."""
    if incident.components is None:
        incident.components = []
    if incident.status == "resolved" and incident.resolved_at is None:
        incident.resolved_at = utcnow()
    elif incident.status != "resolved":
        incident.resolved_at = None
    incident.updated_at = utcnow()
    latest = incident.updates[0] if incident.updates else None  # updates are ordered newest first
    changed = latest is None or (latest.status, latest.message) != (incident.status, incident.message)
    added = None
    if incident.message and changed:  # re-saving the form unchanged does not repeat the timeline entry
        added = IncidentUpdate(status=incident.status, message=incident.message, created_by_id=actor_id,
                               created_at=utcnow())
        incident.updates.insert(0, added)
    db.session.flush()
    if is_created or added is not None:  # subscribers hear of news, not of a re-saved form
        kind = "created" if is_created else "resolved" if incident.status == "resolved" else "updated"
        status_events.record(f"incident.{kind}", "incident", incident.id, incident.components,
                             added.id if added is not None else None)
    audit.record("incident.created" if is_created else "incident.updated", actor_id=actor_id,
                 target_type="incident", target_id=incident.id,
                 details={"status": incident.status, "impact": incident.impact, "title": incident.title,
                          "components": incident.components})


def after_change(incident: Incident | None = None) -> None:
    """After the change is committed: drop the cached status page, status JSON and banners, so
    every public page shows the change on its next request; then tell subscribers."""
    status_cache.invalidate()
    status_events.dispatch_recorded()
