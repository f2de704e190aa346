"""What a notification says: the mail's subject and text for an event, and the webhook's JSON (the
incident or maintenance in Statuspage's shape, with its current update and components)."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from app.common import i18n
from app.common.iso import iso
from app.extensions import db
from app.models import Incident, IncidentUpdate, MaintenanceUpdate, ScheduledMaintenance, StatusEvent
from app.models.status import COMPONENT_NAMES
from app.models.types import utcnow
from app.status import maintenance_feed, v2

HEADLINES = {
    "incident.created": "New incident", "incident.updated": "Incident update", "incident.resolved": "Resolved",
    "incident.postmortem": "Postmortem",
    "maintenance.scheduled": "Scheduled maintenance", "maintenance.updated": "Maintenance updated",
    "maintenance.started": "Maintenance started", "maintenance.completed": "Maintenance completed",
    "maintenance.canceled": "Maintenance canceled", "maintenance.reminder": "Maintenance reminder",
    "maintenance.update": "Maintenance update", "maintenance.extended": "Maintenance extended",
}
STATUS_WORDS = {"investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
                "resolved": "Resolved"}


def _subject(event: StatusEvent) -> Incident | ScheduledMaintenance | None:
    if event.subject_type == "incident":
        return db.session.get(Incident, event.subject_id, options=[selectinload(Incident.updates)])
    return db.session.get(ScheduledMaintenance, event.subject_id)


def build(event: StatusEvent) -> dict:
    """Template context shared by every mail of one event (rendered once per batch)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    item = _subject(event)
    names = [COMPONENT_NAMES.get(c, c) for c in (event.components or [])] or ["All components"]
    ctx = {"headline": HEADLINES.get(event.kind, "Status update"), "components": names, "item": item,
           "event": event, "status_url": f"{base}/status", "title": getattr(item, "title", "Status update")}
    if event.subject_type == "incident":
        update = db.session.get(IncidentUpdate, event.update_id) if event.update_id else None
        ctx["status_word"] = STATUS_WORDS.get(update.status if update else getattr(item, "status", ""), "")
        ctx["update_text"] = update.message if update else getattr(item, "message", None)
        if event.kind == "incident.postmortem":
            ctx["status_word"], ctx["update_text"] = "Postmortem", getattr(item, "postmortem_body", None)
        ctx["link"] = f"{base}/status/incidents/{event.subject_id}"
        ctx["impact"] = getattr(item, "impact", None)
    else:
        ctx["status_word"] = ctx["headline"]
        said = db.session.get(MaintenanceUpdate, event.update_id) if event.update_id else None  # posted while it ran
        ctx["update_text"] = said.message if said else getattr(item, "message", None)
        ctx["link"] = f"{base}/status#maintenance-{event.subject_id}"
        ctx["window"] = (item.starts_at, item.ends_at) if item is not None else None
    ctx["subject"] = f"[{current_app.config['STATUS_PAGE_NAME']} status] {ctx['status_word']}: {ctx['title']}"
    return ctx


def subject_line(ctx: dict, english: str) -> str:
    """The mail's subject in the language in force (English: exactly `english`, the one built above)."""
    if i18n.current() == i18n.DEFAULT:
        return english
    return gettext("[%(page)s status] %(what)s: %(title)s", page=current_app.config["STATUS_PAGE_NAME"],
                   what=i18n.translate(ctx["status_word"]), title=ctx["title"])


def webhook_payload(event: StatusEvent, unsubscribe_url: str, webhook_format: str = "statuspage") -> dict:
    """The delivery in the subscriber's format: Statuspage's JSON (default), Slack or Teams."""
    if webhook_format == "slack":
        return slack_message(build(event), unsubscribe_url)
    if webhook_format == "teams":
        return teams_card(build(event), unsubscribe_url)
    return statuspage_payload(event, unsubscribe_url)


def _slack_escape(text: str | None) -> str:
    """Slack's mrkdwn reads &, < and > as markup: escape them (its documented three)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(ctx: dict, unsubscribe_url: str) -> dict:
    """A Slack incoming-webhook message: `text` (the notification's fallback) and Block Kit `blocks`."""
    title, word = _slack_escape(ctx["title"]), _slack_escape(ctx["status_word"])
    components = _slack_escape(", ".join(ctx["components"]))
    return {
        "text": f"{word}: {title}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{word}: <{ctx['link']}|{title}>*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(ctx["update_text"]) or word}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"Affected: {components}"},
                {"type": "mrkdwn", "text": f"<{ctx['status_url']}|Status page> · <{unsubscribe_url}|Unsubscribe>"},
            ]},
        ],
    }


TEAMS_COLOURS = {"Resolved": "2E7D32", "Maintenance completed": "2E7D32", "Scheduled maintenance": "1565C0"}


def teams_card(ctx: dict, unsubscribe_url: str) -> dict:
    """A Microsoft Teams incoming-webhook message card (`@type: MessageCard`)."""
    return {
        "@type": "MessageCard", "@context": "https://schema.org/extensions",
        "summary": f"{ctx['status_word']}: {ctx['title']}",
        "themeColor": TEAMS_COLOURS.get(ctx["status_word"], "C62828"),
        "title": f"{ctx['status_word']}: {ctx['title']}",
        "sections": [{"text": ctx["update_text"] or ctx["status_word"],
                      "facts": [{"name": "Affected", "value": ", ".join(ctx["components"])}]}],
        "potentialAction": [
            {"@type": "OpenUri", "name": "View on the status page", "targets": [{"os": "default", "uri": ctx["link"]}]},
            {"@type": "OpenUri", "name": "Unsubscribe", "targets": [{"os": "default", "uri": unsubscribe_url}]},
        ],
    }


def statuspage_payload(event: StatusEvent, unsubscribe_url: str) -> dict:
    """Statuspage-style delivery: `meta`, `page`, and the `incident` or `scheduled_maintenance`."""
    item = _subject(event)
    body = {"meta": {"event_id": f"evt_{event.id}", "event_type": event.kind, "generated_at": iso(utcnow()),
                     "unsubscribe": unsubscribe_url},
            "page": {"id": v2.PAGE_ID, "url": f"{current_app.config['PUBLIC_BASE_URL']}/status"}}
    if item is None:
        return body
    if event.subject_type == "incident":
        body["incident"] = v2.incident(item)  # its updates newest first, as Statuspage sends them
        current = [u for u in body["incident"]["incident_updates"] if u["id"] == str(event.update_id)]
        body["update"] = current[0] if current else None  # the update this delivery announces
    else:
        body["scheduled_maintenance"] = maintenance_feed.statuspage_object(item, utcnow())
    return body
