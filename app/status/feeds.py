"""The Atom feed of incidents (Statuspage-compatible JSON is app/status/v2.py)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from flask import current_app
from markupsafe import escape
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.common.iso import iso
from app.extensions import db
from app.models import Incident
from app.models.status import COMPONENT_NAMES
from app.models.types import utcnow
from app.status import live, serializers

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

    incidents = live.revive(live.last_good(f"feed:{days}:{limit}", load, default=[]))
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
        sub(entry, "link", href=f"{base}/status/incidents/{incident.id}", rel="alternate", type="text/html")
        affected = ", ".join(COMPONENT_NAMES.get(c, c) for c in incident.components or []) or "The whole service"
        lines = [f"<p><strong>Impact:</strong> {incident.impact}. <strong>Affected:</strong> {_esc(affected)}.</p>"]
        lines += [f"<p><small>{iso(u.created_at)}</small> <strong>{_esc(u.status.capitalize())}</strong> — "
                  f"{_esc(u.message)}</p>" for u in incident.updates]
        sub(entry, "content", "\n".join(lines), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _esc(text: str) -> str:
    return str(escape(text))
