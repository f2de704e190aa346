"""The Atom and RSS 2.0 feeds of incidents and maintenance (Statuspage-compatible JSON is app/status/v2.py).

Both feeds list the same entries, newest change first: incidents of the last `days` (open ones always)
and maintenance windows announced, running or ended in that time (canceled ones left out), each with
its timeline."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import format_datetime
from types import SimpleNamespace

from flask import current_app
from markupsafe import escape
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.common.iso import iso
from app.extensions import db
from app.models import Incident, MaintenanceStatus, ScheduledMaintenance
from app.models.status import COMPONENT_NAMES
from app.models.types import utcnow
from app.status import live, maintenance_feed, serializers

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


MAINTENANCE_LABELS = {"scheduled": "Scheduled maintenance", "in_progress": "Maintenance in progress",
                      "verifying": "Maintenance verifying", "completed": "Maintenance completed"}


def _maintenances(days: int, limit: int) -> list:
    """Maintenance windows (not canceled) announced, running or ended in the last `days`, as feed entries."""
    now = utcnow()
    since = now - timedelta(days=days)

    def load() -> list[dict]:
        rows = db.session.scalars(
            select(ScheduledMaintenance).options(selectinload(ScheduledMaintenance.updates))
            .where(ScheduledMaintenance.status != MaintenanceStatus.CANCELED,
                   or_(ScheduledMaintenance.ends_at >= since, ScheduledMaintenance.updated_at >= since))
            .order_by(ScheduledMaintenance.updated_at.desc()).limit(limit)).all()
        return [{"id": m.id, "title": f"[{MAINTENANCE_LABELS[str(m.state_at(now))]}] {m.title}",
                 "updated_at": iso(m.updated_at), "published_at": iso(m.created_at),
                 "link": maintenance_feed.link_path(m, now), "html": _maintenance_html(m)} for m in rows]

    return live.revive(live.last_good(f"feed:maintenance:{days}:{limit}", load, default=[]))


def _maintenance_html(item: ScheduledMaintenance) -> str:
    affected = ", ".join(COMPONENT_NAMES.get(c, c) for c in item.components or []) or "The whole service"
    lines = [f"<p><strong>Window:</strong> {item.starts_at:%Y-%m-%d %H:%M} – {item.window_end():%Y-%m-%d %H:%M} UTC. "
             f"<strong>Affected:</strong> {_esc(affected)}.</p>"]
    lines += [f"<p><small>{iso(u.created_at)}</small> <strong>{_esc(u.status.replace('_', ' ').capitalize())}"
              f"</strong> — {_esc(u.message)}</p>" for u in item.updates]
    if item.message:
        lines.append(f"<p>{_esc(item.message)}</p>")
    return "\n".join(lines)


def _entries(days: int, limit: int, base: str) -> list[SimpleNamespace]:
    """Incidents and maintenance as one list of feed entries, newest change first."""
    entries = [SimpleNamespace(key=f"incident-{i.id}", title=_title(i), updated_at=i.updated_at,
                               published_at=i.started_at, link=f"{base}/status/incidents/{i.id}", html=_html(i))
               for i in _recent(days, limit)]
    entries += [SimpleNamespace(key=f"maintenance-{m.id}", title=m.title, updated_at=m.updated_at,
                                published_at=m.published_at, link=base + m.link, html=m.html)
                for m in _maintenances(days, limit)]
    return sorted(entries, key=lambda e: e.updated_at, reverse=True)[:limit]


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
    """Incidents and maintenance of the last `days` (open ones always), newest first."""
    base = current_app.config["PUBLIC_BASE_URL"]
    entries = _entries(days, limit, base)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    name = current_app.config.get("STATUS_PAGE_NAME", "Levqor")
    sub(feed, "id", f"{base}/status")
    sub(feed, "title", f"{name} status: incidents and maintenance")
    sub(feed, "updated", iso(entries[0].updated_at if entries else utcnow()))
    sub(feed, "link", href=f"{base}/status/feed.atom", rel="self", type="application/atom+xml")
    sub(feed, "link", href=f"{base}/status", rel="alternate", type="text/html")
    author = sub(feed, "author")
    sub(author, "name", name)
    for item in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{base}/status#{item.key}")
        sub(entry, "title", item.title)
        sub(entry, "updated", iso(item.updated_at))
        sub(entry, "published", iso(item.published_at))
        sub(entry, "link", href=item.link, rel="alternate", type="text/html")
        sub(entry, "content", item.html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def rss_feed(days: int = 90, limit: int = 50) -> bytes:
    """RSS 2.0 of the same entries as the Atom feed, for readers that take only RSS."""
    base = current_app.config["PUBLIC_BASE_URL"]
    name = current_app.config.get("STATUS_PAGE_NAME", "Levqor")
    entries = _entries(days, limit, base)
    ET.register_namespace("atom", ATOM)
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    for tag, text in (("title", f"{name} status: incidents and maintenance"), ("link", f"{base}/status"),
                      ("description", f"Incidents and maintenance on the {name} status page, newest first."),
                      ("lastBuildDate", format_datetime(entries[0].updated_at if entries else utcnow(),
                                                        usegmt=True))):
        ET.SubElement(channel, tag).text = text
    ET.SubElement(channel, f"{{{ATOM}}}link", href=f"{base}/status/feed.rss", rel="self",
                  type="application/rss+xml")
    for entry in entries:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = entry.title
        ET.SubElement(item, "link").text = entry.link
        ET.SubElement(item, "guid", isPermaLink="false").text = f"{base}/status#{entry.key}"
        ET.SubElement(item, "pubDate").text = format_datetime(entry.published_at, usegmt=True)
        ET.SubElement(item, "description").text = entry.html
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def _esc(text: str) -> str:
    return str(escape(text))
