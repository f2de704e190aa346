"""Atlassian Statuspage's public read API (v2), so Statuspage clients and aggregators read us unchanged:
summary, status, components, incidents (all / unresolved) and scheduled maintenances
(all / upcoming / active).

Statuspage's component vocabulary has no "unknown", so a component whose check is not configured
(Stripe without STRIPE_API_KEY) is left out rather than reported as operational. Every database read
goes through status_live.last_good, so these answer from the last good copy while PostgreSQL is down.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.common.iso import iso
from app.extensions import db
from app.models import Incident
from app.models.status import COMPONENT_NAMES, declared_statuses
from app.models.types import utcnow
from app.status import live, maintenance_feed
from app.status.declared import DESCRIPTIONS, MEASURED_STATUS, declared_state
from app.status.page import incidents_for_page, maintenance_for_page
from app.status.state import current

STATUSPAGE_EPOCH = "2026-01-01T00:00:00Z"
PAGE_ID = "levqor"
RECENT_INCIDENTS = 50  # what Statuspage's incidents.json lists


def _page(updated_at) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"]
    return {"id": PAGE_ID, "name": current_app.config.get("STATUS_PAGE_NAME", "Levqor"), "url": f"{base}/status",
            "time_zone": "Etc/UTC", "updated_at": iso(updated_at or utcnow())}


def _component(code: str, status: str, position: int, updated_at) -> dict:
    return {"id": code, "name": COMPONENT_NAMES.get(code, code), "status": status, "created_at": STATUSPAGE_EPOCH,
            "updated_at": iso(updated_at or utcnow()), "position": position, "description": None, "showcase": True,
            "start_date": None, "group_id": None, "page_id": PAGE_ID, "group": False,
            "only_show_if_degraded": False}


def _affected(codes: list[str], declared: dict | None) -> list[dict]:
    """The components an update is about; one that set component statuses names them with
    `new_status`, as Statuspage's do."""
    if declared:
        return [{"code": c, "name": COMPONENT_NAMES.get(c, c), "new_status": s} for c, s in declared.items()]
    return [{"code": c, "name": COMPONENT_NAMES.get(c, c)} for c in codes]


def incident(item, statuses: dict | None = None) -> dict:
    """An incident (ORM row or its revived copy) in Statuspage's shape, its updates newest first;
    `statuses` is each component's current Statuspage status (its components carry it)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    comps = item.components or []
    monitoring = [u.created_at for u in item.updates if u.status == "monitoring"]
    return {
        "id": str(item.id), "name": item.title, "status": item.status, "impact": item.impact,
        "created_at": iso(item.started_at), "updated_at": iso(item.updated_at),
        "started_at": iso(item.started_at), "monitoring_at": iso(max(monitoring)) if monitoring else None,
        "resolved_at": iso(item.resolved_at), "page_id": PAGE_ID,
        # a copy cached before postmortems existed has neither attribute
        "postmortem_body": getattr(item, "postmortem_body", None),
        "postmortem_published_at": iso(getattr(item, "postmortem_published_at", None)),
        "shortlink": f"{base}/status/incidents/{item.id}",
        "incident_updates": [{
            "id": str(u.id), "status": u.status, "body": u.message, "incident_id": str(item.id),
            "created_at": iso(u.created_at), "updated_at": iso(u.created_at), "display_at": iso(u.created_at),
            "affected_components": _affected(comps, declared_statuses(u)),
            "deliver_notifications": True, "custom_tweet": None,
            "tweet_id": None,
        } for u in item.updates],
        "components": [_component(c, (statuses or {}).get(c, "operational"), i, item.updated_at)
                       for i, c in enumerate(comps, start=1)],
    }


def _state() -> tuple[dict, list]:
    open_incidents, _ = incidents_for_page()
    return declared_state(current(), open_incidents, maintenance_for_page()["active"]), open_incidents


def _components(state: dict, open_incidents: list) -> list[dict]:
    out = []
    for position, (code, level) in enumerate(state["levels"].items(), start=1):
        if level not in MEASURED_STATUS:  # not monitored: Statuspage has no word for it
            continue
        out.append(_component(code, state["status"][code], position, state["updated_at"]))
    return out


def _status(indicator: str) -> dict:
    return {"indicator": indicator, "description": DESCRIPTIONS[indicator]}


def status_json() -> dict:
    state, _ = _state()
    return {"page": _page(state["updated_at"]), "status": _status(state["indicator"])}


def _statuses(components: list[dict]) -> dict:
    return {c["id"]: c["status"] for c in components}


def summary_json() -> dict:
    state, open_incidents = _state()
    components = _components(state, open_incidents)
    return {"page": _page(state["updated_at"]), "components": components,
            "incidents": [incident(i, _statuses(components)) for i in open_incidents],
            "scheduled_maintenances": maintenance_feed.statuspage("summary"),
            "status": _status(state["indicator"])}


def components_json() -> dict:
    state, open_incidents = _state()
    return {"page": _page(state["updated_at"]), "components": _components(state, open_incidents)}


def incidents_json() -> dict:
    """The 50 most recent incidents, newest first, each with its updates."""
    state, open_incidents = _state()
    statuses = _statuses(_components(state, open_incidents))

    def load() -> list[dict]:
        rows = db.session.scalars(
            select(Incident).options(selectinload(Incident.updates))
            .order_by(Incident.started_at.desc(), Incident.id.desc()).limit(RECENT_INCIDENTS)).all()
        return [incident(i, statuses) for i in rows]

    return {"page": _page(state["updated_at"]),
            "incidents": live.last_good("v2:incidents", load, default=[])}


def unresolved_json() -> dict:
    state, open_incidents = _state()
    statuses = _statuses(_components(state, open_incidents))
    return {"page": _page(state["updated_at"]), "incidents": [incident(i, statuses) for i in open_incidents]}


def maintenances_json(which: str = "all") -> dict:
    """which: all (the 50 most recent), upcoming (scheduled), active (in progress)."""
    state = current()
    return {"page": _page(state["updated_at"]), "scheduled_maintenances": maintenance_feed.statuspage(which)}
