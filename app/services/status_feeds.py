"""Machine-readable views of the status: Statuspage-compatible JSON (v2) and an Atom feed.

Statuspage's component vocabulary has no "unknown", so a component whose check is not configured
(Stripe without STRIPE_API_KEY) is left out of summary.json rather than reported as operational.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from flask import current_app
from markupsafe import escape
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Incident
from app.models.types import utcnow
from app.serializers import iso
from app.serializers import status as serializers
from app.services import status_live
from app.services.status import NAMES, current, declared_state, incidents_for_page, maintenance_for_page

COMPONENT_STATUS = {"up": "operational", "degraded": "degraded_performance", "down": "major_outage"}
# What staff declared, in Statuspage's words (an incident's impact on the components it names).
DECLARED_STATUS = {"minor": "degraded_performance", "major": "partial_outage", "critical": "major_outage"}
COMPONENT_RANK = ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"]
DESCRIPTIONS = {"none": "All Systems Operational", "minor": "Minor Service Outage",
                "major": "Partial System Outage", "critical": "Major Service Outage",
                "maintenance": "Service Under Maintenance"}
STATUSPAGE_EPOCH = "2026-01-01T00:00:00Z"


def _page(updated_at) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"]
    return {"id": "levqor", "name": current_app.config.get("STATUS_PAGE_NAME", "Levqor"), "url": f"{base}/status",
            "time_zone": "Etc/UTC", "updated_at": iso(updated_at or utcnow())}


def _incident(incident: Incident) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"]
    comps = incident.components or []
    monitoring = [u.created_at for u in incident.updates if u.status == "monitoring"]
    return {
        "id": str(incident.id), "name": incident.title, "status": incident.status, "impact": incident.impact,
        "created_at": iso(incident.started_at), "updated_at": iso(incident.updated_at),
        "started_at": iso(incident.started_at), "monitoring_at": iso(max(monitoring)) if monitoring else None,
        "resolved_at": iso(incident.resolved_at), "page_id": "levqor",
        "shortlink": f"{base}/status#incident-{incident.id}",
        "incident_updates": [{
            "id": str(u.id), "status": u.status, "body": u.message, "incident_id": str(incident.id),
            "created_at": iso(u.created_at), "updated_at": iso(u.created_at), "display_at": iso(u.created_at),
            "affected_components": [{"code": c, "name": NAMES.get(c, c)} for c in comps],
        } for u in incident.updates],
        "components": [{"id": c, "name": NAMES.get(c, c)} for c in comps],
    }


def _state() -> tuple[dict, list]:
    open_incidents, _ = incidents_for_page()
    return declared_state(current(), open_incidents, maintenance_for_page()["active"]), open_incidents


def _component_status(code: str, level: str, open_incidents: list, state: dict) -> str:
    """The worse of the measured level and the impact of open incidents naming the component; planned
    work in progress reads "under_maintenance" unless an incident says worse."""
    worst = "under_maintenance" if state["declared"].get(code) == "maintenance" else COMPONENT_STATUS[level]
    for incident in open_incidents:
        if code in (incident.components or [code]):
            worst = max(worst, DECLARED_STATUS.get(incident.impact, "degraded_performance"), key=COMPONENT_RANK.index)
    return worst


def status_json() -> dict:
    state, _ = _state()
    indicator = state["indicator"]
    return {"page": _page(state["updated_at"]),
            "status": {"indicator": indicator, "description": DESCRIPTIONS[indicator]}}


def summary_json() -> dict:
    state, open_incidents = _state()
    indicator = state["indicator"]
    components = []
    for position, (code, level) in enumerate(state["levels"].items(), start=1):
        if level not in COMPONENT_STATUS:
            continue
        components.append({
            "id": code, "name": NAMES[code], "status": _component_status(code, level, open_incidents, state),
            "created_at": STATUSPAGE_EPOCH, "updated_at": iso(state["updated_at"]), "position": position,
            "description": None, "showcase": True, "start_date": None, "group_id": None, "page_id": "levqor",
            "group": False, "only_show_if_degraded": False,
        })
    return {"page": _page(state["updated_at"]), "components": components,
            "incidents": [_incident(i) for i in open_incidents], "scheduled_maintenances": [],
            "status": {"indicator": indicator, "description": DESCRIPTIONS[indicator]}}


ATOM = "http://www.w3.org/2005/Atom"


def atom_feed(days: int = 90, limit: int = 50) -> bytes:
    """Incidents of the last `days` (open ones always), newest first; one entry per incident."""
    base = current_app.config["PUBLIC_BASE_URL"]
    since = utcnow() - timedelta(days=days)

    def load() -> list[dict]:
        rows = db.session.scalars(
            select(Incident).options(selectinload(Incident.updates))
            .where(or_(Incident.status != "resolved", Incident.updated_at >= since))
            .order_by(Incident.updated_at.desc()).limit(limit)).all()
        return [serializers.incident(i) for i in rows]

    incidents = status_live.revive(status_live.last_good(f"feed:{days}:{limit}", load, default=[]))
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    name = current_app.config.get("STATUS_PAGE_NAME", "Levqor")
    sub(feed, "id", f"{base}/status")
    sub(feed, "title", f"{name} status: incidents")
    sub(feed, "updated", iso(incidents[0].updated_at if incidents else utcnow()))
    sub(feed, "link", href=f"{base}/status/feed.atom", rel="self", type="application/atom+xml")
    sub(feed, "link", href=f"{base}/status", rel="alternate", type="text/html")
    author = sub(feed, "author")
    sub(author, "name", name)
    for incident in incidents:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{base}/status#incident-{incident.id}")
        label = "Resolved" if incident.status == "resolved" else incident.status.capitalize()
        sub(entry, "title", f"[{label}] {incident.title}")
        sub(entry, "updated", iso(incident.updated_at))
        sub(entry, "published", iso(incident.started_at))
        sub(entry, "link", href=f"{base}/status#incident-{incident.id}", rel="alternate", type="text/html")
        affected = ", ".join(NAMES.get(c, c) for c in incident.components or []) or "The whole service"
        lines = [f"<p><strong>Impact:</strong> {incident.impact}. <strong>Affected:</strong> {_esc(affected)}.</p>"]
        lines += [f"<p><small>{iso(u.created_at)}</small> <strong>{_esc(u.status.capitalize())}</strong> — "
                  f"{_esc(u.message)}</p>" for u in incident.updates]
        sub(entry, "content", "\n".join(lines), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _esc(text: str) -> str:
    return str(escape(text))
