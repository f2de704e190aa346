"""Status aggregates as JSON: incidents (SPEC shape), the banners every public page shows, and the
body of GET /api/status. Statuspage's v2 shapes are app/status/v2.py's."""
from __future__ import annotations

from app.common.iso import iso
from app.models import Incident, IncidentUpdate, ScheduledMaintenance
from app.models.status import declared_statuses
from app.models.types import utcnow


def incident(item: Incident) -> dict:
    """An incident with its timeline, as GET /api/status lists the open ones."""
    return {
        "id": item.id, "title": item.title, "status": item.status, "impact": item.impact,
        "components": item.components or [], "message": item.message,
        "started_at": iso(item.started_at), "resolved_at": iso(item.resolved_at), "updated_at": iso(item.updated_at),
        "updates": [update(u) for u in item.updates],
        "postmortem_body": item.postmortem_body, "postmortem_published_at": iso(item.postmortem_published_at),
    }


def update(item: IncidentUpdate) -> dict:
    """One entry of an incident's timeline."""
    return {"id": item.id, "status": item.status, "message": item.message, "created_at": iso(item.created_at),
            "components": declared_statuses(item)}


def banner(item: Incident) -> dict:
    """What a page banner needs (cached as JSON and shared by every page)."""
    return {
        "id": item.id, "title": item.title, "status": item.status, "impact": item.impact, "message": item.message,
        "components": item.components or [], "resolved": item.status == "resolved",
        "started_at": iso(item.started_at), "resolved_at": iso(item.resolved_at), "kind": "incident",
        "updated_at": iso(item.updated_at),  # keys a dismissed banner: it returns when the incident changes
    }


def maintenance_banner(item: ScheduledMaintenance) -> dict:
    """Planned work in progress, in the banner slot of every page, with staff's latest word on it."""
    latest = item.updates[0] if item.updates else None
    return {
        "id": item.id, "title": item.title, "impact": "maintenance",
        "status": "verifying" if item.status == "verifying" else "in_progress",
        "message": latest.message if latest else item.message, "components": item.components or [], "resolved": False,
        "started_at": iso(item.starts_at), "ends_at": iso(item.ends_at), "kind": "maintenance",
        "updated_at": iso(item.updated_at),
    }


def status_body(state: dict, open_incidents: list[Incident], history: dict) -> dict:
    """The body of GET /api/status (SPEC)."""
    return {
        "ok": True, "overall": state["overall"], "measured_overall": state.get("measured_overall", state["overall"]),
        "components": state["levels"], "declared": state.get("declared", {}), "details": state["details"],
        "updated_at": iso(state["updated_at"]), "stale": state["stale"],
        "incidents": [incident(i) for i in open_incidents], "history": history,
    }


def maintenance(item: ScheduledMaintenance, now=None) -> dict:
    now = now or utcnow()
    return {
        "id": item.id, "title": item.title, "message": item.message, "components": item.components or [],
        "status": str(item.state_at(now)), "starts_at": iso(item.starts_at), "ends_at": iso(item.ends_at),
        "ended_at": iso(item.ended_at), "created_at": iso(item.created_at), "updated_at": iso(item.updated_at),
        "updates": [{"id": u.id, "status": u.status, "message": u.message, "ends_at": iso(u.ends_at),
                     "created_at": iso(u.created_at)} for u in item.updates],
    }
