"""Incidents: what staff report, and the banners every public page shows.

Staff create and update incidents from the console (admin_views/incidents.py) or the admin API
(`create`, `add_update`); both go through `apply_change` (timeline + audit), a commit, then
`after_change` (caches; subscriber notifications hook in there), so every surface has one path.
"""
from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.common import audit
from app.common.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models import Incident, IncidentUpdate
from app.models.status import COMPONENTS, INCIDENT_IMPACTS, INCIDENT_STATUSES
from app.models.types import utcnow
from app.status import cache, events, live, maintenance, serializers
from app.status.declared import COMPONENT_STATUSES

MAX_TITLE = 200
MAX_MESSAGE = 5000
CREATE_FIELDS = ("title", "impact", "components", "message", "status")
UPDATE_FIELDS = ("status", "message", "components")
RESOLVED_MESSAGE = "This incident is resolved; open a new incident instead."


def active_banners() -> list[dict]:
    """Maintenance in progress, open incidents, then the newest incident resolved in the last
    STATUS_RESOLVED_BANNER_HOURS (served from the cache)."""
    return json.loads(cache.get_or_build(
        "banners", lambda: json.dumps(live.last_good("banners", load_banners, default=[]))))


def load_banners() -> list[dict]:
    """One banner per maintenance in progress and per open incident, newest first, then at most one
    recently resolved incident (uncached): resolved news fades, it never stacks."""
    since = utcnow() - timedelta(hours=current_app.config.get("STATUS_RESOLVED_BANNER_HOURS", 2))
    rows = db.session.scalars(
        select(Incident).where(Incident.status != "resolved").order_by(Incident.started_at.desc()).limit(10)
    ).all()
    resolved = db.session.scalars(
        select(Incident).where(Incident.status == "resolved", Incident.resolved_at >= since)
        .order_by(Incident.resolved_at.desc()).limit(1)
    ).all()
    works = [serializers.maintenance_banner(m) for m in maintenance.active()]
    return works + [serializers.banner(i) for i in [*rows, *resolved]]


def apply_change(incident: Incident, is_created: bool, actor_id: int | None, declared: dict | None = None) -> None:
    """Keep resolved_at in step with status and add the message to the incident's timeline, with the
    component statuses it `declared` ({component: Statuspage status}), if any."""
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
    if incident.message and (changed or declared):  # re-saving the form unchanged adds no timeline entry
        added = IncidentUpdate(status=incident.status, message=incident.message, created_by_id=actor_id,
                               created_at=utcnow(), components=declared or None)
        incident.updates.insert(0, added)
    db.session.flush()
    if is_created or added is not None:  # subscribers hear of news, not of a re-saved form
        kind = "created" if is_created else "resolved" if incident.status == "resolved" else "updated"
        events.record(f"incident.{kind}", "incident", incident.id, incident.components,
                             added.id if added is not None else None)
    audit.record("incident.created" if is_created else "incident.updated", actor_id=actor_id,
                 target_type="incident", target_id=incident.id,
                 details={"status": incident.status, "impact": incident.impact, "title": incident.title,
                          "components": incident.components, **({"declared": declared} if declared else {})})


def after_change(incident: Incident | None = None) -> None:
    """After the change is committed: drop the cached status page, status JSON and banners, so
    every public page shows the change on its next request; then tell subscribers."""
    cache.invalidate()
    events.dispatch_recorded()


def _check(data: dict, allowed: tuple[str, ...], fields: dict) -> None:
    for key in data:
        if key not in allowed:
            fields[key] = f"Unknown field; use {', '.join(allowed)}."
    status = data.get("status")
    if status not in INCIDENT_STATUSES:
        fields["status"] = f"Use one of: {', '.join(INCIDENT_STATUSES)}."
    message = data.get("message")
    if not isinstance(message, str) or not message.strip() or len(message.strip()) > MAX_MESSAGE:
        fields["message"] = f"Required: what users should know, 1 to {MAX_MESSAGE} characters."


def _clean_new(data: dict) -> dict:
    """The fields of a new incident, or ValidationFailed naming every bad field."""
    fields: dict[str, str] = {}
    data = {"status": "investigating", **data}
    _check(data, CREATE_FIELDS, fields)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > MAX_TITLE:
        fields["title"] = f"Give a title of 1 to {MAX_TITLE} characters."
    if data.get("impact") not in INCIDENT_IMPACTS:
        fields["impact"] = f"Use one of: {', '.join(INCIDENT_IMPACTS)}."
    components = data.get("components") or []
    if not isinstance(components, list) or any(not isinstance(c, str) or c not in COMPONENTS for c in components):
        fields["components"] = f"A list of components among {', '.join(COMPONENTS)} (empty: the whole service)."
    if fields:
        raise ValidationFailed("The incident was not saved.", fields=fields)
    return {"title": title.strip(), "impact": data["impact"], "status": data["status"],
            "message": data["message"].strip(), "components": [c for c in COMPONENTS if c in components]}


def clean_declared(value, incident: Incident) -> dict[str, str] | None:
    """An update's `components`: {affected component: Statuspage status}, or ValidationFailed."""
    if value is None or value == {}:
        return None
    affected = incident.components or list(COMPONENTS)
    if not isinstance(value, dict) or any(c not in affected or s not in COMPONENT_STATUSES for c, s in value.items()):
        db.session.rollback()
        raise ValidationFailed("The update was not saved.", fields={
            "components": f"Map components this incident affects ({', '.join(affected)}) to one of: "
                          f"{', '.join(COMPONENT_STATUSES)}."})
    return {c: value[c] for c in COMPONENTS if c in value}


def get(incident_id: int, lock: bool = False) -> Incident:
    # A locked read is a fresh one: what another staff member committed meanwhile counts.
    item = (db.session.get(Incident, incident_id, with_for_update=lock, populate_existing=lock)
            if 0 < incident_id < 2**31 else None)
    if item is None:
        raise NotFound("No such incident.", code="no_such_incident")
    return item


def ensure_open(incident_id: int) -> Incident:
    """The incident, locked and freshly read, or Conflict (409) when it is resolved: a resolved
    incident takes no more updates, whichever surface asks (the API and the console alike)."""
    incident = get(incident_id, lock=True)
    _refuse_resolved(incident)
    return incident


def _refuse_resolved(incident: Incident) -> None:
    if incident.status == "resolved":
        db.session.rollback()
        raise Conflict(RESOLVED_MESSAGE, code="incident_resolved")


def create(data: dict, actor_id: int | None) -> Incident:
    """A new incident with its first timeline entry (the admin API's POST /api/admin/incidents)."""
    incident = Incident(**_clean_new(data), started_at=utcnow())
    db.session.add(incident)
    apply_change(incident, True, actor_id)
    db.session.commit()
    after_change(incident)
    return incident


def add_update(incident_id: int, data: dict, actor_id: int | None) -> tuple[Incident, IncidentUpdate]:
    """A new status and message on an open incident; `resolved` resolves it. A resolved incident is
    closed: 409 (open a new incident instead)."""
    fields: dict[str, str] = {}
    _check(data, UPDATE_FIELDS, fields)
    incident = get(incident_id, lock=True)
    if fields:
        db.session.rollback()
        raise ValidationFailed("The update was not saved.", fields=fields)
    _refuse_resolved(incident)
    declared = clean_declared(data.get("components"), incident)
    incident.status, incident.message = data["status"], data["message"].strip()
    apply_change(incident, False, actor_id, declared)
    db.session.commit()
    after_change(incident)
    return incident, incident.updates[0]
