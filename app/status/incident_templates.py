"""Incident templates: title, impact, components and message staff keep ready, picked in the console
when opening an incident (every field) or updating one (the message). Saved through `save`, which
names bad fields by their labels and writes the audit row; the console's grid calls it too."""
from __future__ import annotations

from sqlalchemy import select

from app.common import audit
from app.common.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import IncidentTemplate
from app.models.status import COMPONENTS, INCIDENT_IMPACTS

MAX_NAME, MAX_TITLE, MAX_MESSAGE = 100, 200, 5000
FIELDS = ("name", "title", "impact", "components", "message")


def _text(data: dict, key: str, label: str, limit: int, fields: dict) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        fields[key] = f"{label} is required, 1 to {limit} characters."
        return ""
    return value.strip()


def clean(data: dict, template_id: int | None = None) -> dict:
    """The template's fields, or ValidationFailed naming every bad field."""
    fields = {key: f"Unknown field; use {', '.join(FIELDS)}." for key in data if key not in FIELDS}
    out = {"name": _text(data, "name", "Name", MAX_NAME, fields),
           "title": _text(data, "title", "Title", MAX_TITLE, fields),
           "message": _text(data, "message", "Message", MAX_MESSAGE, fields)}
    if data.get("impact") not in INCIDENT_IMPACTS:
        fields["impact"] = f"Impact must be one of: {', '.join(INCIDENT_IMPACTS)}."
    components = data.get("components") or []
    if not isinstance(components, list) or any(c not in COMPONENTS for c in components):
        fields["components"] = "Affected components must be among the five components (none: the whole service)."
        components = []
    clash = db.session.scalar(select(IncidentTemplate.id).where(IncidentTemplate.name == out["name"]))
    if out["name"] and clash is not None and clash != template_id:
        fields["name"] = "Another template has this name."
    if fields:
        raise ValidationFailed("The template was not saved.", fields=fields)
    return {**out, "impact": data["impact"], "components": [c for c in COMPONENTS if c in components]}


def save(data: dict, actor_id: int | None, template_id: int | None = None) -> IncidentTemplate:
    """Create (no id) or change a template; audited."""
    values = clean(data, template_id)
    row = get(template_id) if template_id is not None else IncidentTemplate()
    for key, value in values.items():
        setattr(row, key, value)
    db.session.add(row)
    db.session.flush()
    audit.record("incident_template.created" if template_id is None else "incident_template.updated",
                 actor_id=actor_id, target_type="incident_template", target_id=row.id,
                 details={"name": row.name})
    db.session.commit()
    return row


def remove(template_id: int, actor_id: int | None) -> None:
    row = get(template_id)
    audit.record("incident_template.deleted", actor_id=actor_id, target_type="incident_template",
                 target_id=row.id, details={"name": row.name})
    db.session.delete(row)
    db.session.commit()


def get(template_id: int) -> IncidentTemplate:
    row = db.session.get(IncidentTemplate, template_id) if 0 < template_id < 2**31 else None
    if row is None:
        raise NotFound("No such incident template.", code="no_such_template")
    return row


def everything() -> list[IncidentTemplate]:
    return list(db.session.scalars(select(IncidentTemplate).order_by(IncidentTemplate.name)))


def picked(raw: str | None) -> IncidentTemplate | None:
    """The template a `?template=<id>` link names, or None (a bad or stale id picks nothing)."""
    try:
        return get(int(raw)) if raw else None
    except (ValueError, NotFound):
        return None
