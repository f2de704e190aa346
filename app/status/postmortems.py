"""Postmortems: what happened and what changes, published by staff on a resolved incident.

It shows on the incident's page and in the v2 JSON (`postmortem_body`, `postmortem_published_at`, as
Statuspage names them). Publishing again replaces the text; subscribers are told only when staff ask
(`notify`), through the same outbox as every incident change.
"""
from __future__ import annotations

from app.common import audit
from app.common.errors import Conflict, ValidationFailed
from app.extensions import db
from app.models import Incident
from app.models.types import utcnow
from app.status import events, incidents

MAX_BODY = 20000
FIELDS = ("body", "notify")


def _clean(data: dict) -> tuple[str, bool]:
    fields = {key: f"Unknown field; use {', '.join(FIELDS)}." for key in data if key not in FIELDS}
    body = data.get("body")
    if not isinstance(body, str) or not body.strip() or len(body.strip()) > MAX_BODY:
        fields["body"] = f"Required: the postmortem, 1 to {MAX_BODY} characters."
    notify = data.get("notify", False)
    if not isinstance(notify, bool):
        fields["notify"] = "true to email and notify subscribers, false (the default) not to."
    if fields:
        raise ValidationFailed("The postmortem was not saved.", fields=fields)
    return body.strip(), notify


def publish(incident_id: int, data: dict, actor_id: int | None) -> Incident:
    """Sets the postmortem of a resolved incident; 409 `incident_open` while it is not resolved."""
    body, notify = _clean(data)
    incident = incidents.get(incident_id, lock=True)
    if incident.status != "resolved":
        db.session.rollback()
        raise Conflict("Postmortems are written once an incident is resolved; resolve it first.",
                       code="incident_open")
    revised = incident.postmortem_body is not None
    incident.postmortem_body, incident.postmortem_published_at = body, utcnow()
    incident.updated_at = utcnow()
    if notify:
        events.record("incident.postmortem", "incident", incident.id, incident.components)
    audit.record("incident.postmortem_published", actor_id=actor_id, target_type="incident", target_id=incident.id,
                 details={"revised": revised, "notified": notify, "length": len(body)})
    db.session.commit()
    incidents.after_change(incident)
    return incident
