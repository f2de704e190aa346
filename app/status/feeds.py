"""The Atom and RSS 2.0 feeds of incidents (Statuspage-compatible JSON is app/status/v2.py)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import format_datetime

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


def _recent(days: int, limit: int) -> list:
    """Incidents of the last `days` (open ones always), newest first (what both feeds list)."""
    since = utcnow() - timedelta(days=days)

    def load() -> list[dict]:
        rows = db.session.scalars(
            select(Incident).options(selectinload(Incident.updates))
            .where(or_(Incident.status != "resolved", Incident.updated_at >= since))
            .order_by(Incident.updated_at.desc()).limit(limit)).all()
        return [serializers.incident(i) for i in rows]

    return live.revive(live.last_good(f"feed:{days}:{limit}", load, default=[]))


def _title(incident) -> str:
    label = "Resolved" if incident.status == "resolved" else incident.status.capitalize()
    return f"[{label}] {incident.title}"


def _html(incident) -> str:
    """The entry's body: impact, what is affected, the timeline (escaped HTML)."""
    affected = ", ".join(COMPONENT_NAMES.get(c, c) for c in incident.components or []) or "The whole service"
    lines = [f"<p><strong>Impact:</strong> {incident.impact}. <strong>Affected:</strong> {_esc(affected)}.</p>"]
    lines += [f"<p><small>{iso(u.created_at)}</small> <strong>{_esc(u.status.capitalize())}</strong> — "
              f"{_esc(u.message)}</p>" for u in incident.updates]
    return "\n".join(lines)


def atom_feed(days: int = 90, limit: int = 50) -> bytes:
    """Incidents of the last `days` (open ones always), newest first; one entry per incident."""
    base = current_app.config["PUBLIC_BASE_URL"]
    incidents = _recent(days, limit)
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
        sub(entry, "title", _title(incident))
        sub(entry, "updated", iso(incident.updated_at))
        sub(entry, "published", iso(incident.started_at))
        sub(entry, "link", href=f"{base}/status/incidents/{incident.id}", rel="alternate", type="text/html")
        sub(entry, "content", _html(incident), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def rss_feed(days: int = 90, limit: int = 50) -> bytes:
    """RSS 2.0 of the same incidents as the Atom feed, for readers that take only RSS."""
    base = current_app.config["PUBLIC_BASE_URL"]
    name = current_app.config.get("STATUS_PAGE_NAME", "Levqor")
    incidents = _recent(days, limit)
    ET.register_namespace("atom", ATOM)
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    for tag, text in (("title", f"{name} status: incidents"), ("link", f"{base}/status"),
                      ("description", f"Incidents on the {name} status page, newest first."),
                      ("lastBuildDate", format_datetime(incidents[0].updated_at if incidents else utcnow(),
                                                        usegmt=True))):
        ET.SubElement(channel, tag).text = text
    ET.SubElement(channel, f"{{{ATOM}}}link", href=f"{base}/status/feed.rss", rel="self",
                  type="application/rss+xml")
    for incident in incidents:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = _title(incident)
        ET.SubElement(item, "link").text = f"{base}/status/incidents/{incident.id}"
        ET.SubElement(item, "guid", isPermaLink="false").text = f"{base}/status#incident-{incident.id}"
        ET.SubElement(item, "pubDate").text = format_datetime(incident.started_at, usegmt=True)
        ET.SubElement(item, "description").text = _html(incident)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def _esc(text: str) -> str:
    return str(escape(text))
