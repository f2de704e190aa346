"""Issue 24, point 2 (templates): staff keep incident templates in the console and pick one when
opening an incident (every field filled) or updating one (the message); bad input is named by label."""
import re

import pytest
from sqlalchemy import func, select

from app.common.errors import ValidationFailed
from app.extensions import db
from app.models import AuditLog, Incident, IncidentTemplate
from app.status import incident_templates

STRIPE = {"name": "Stripe outage", "title": "Card payments failing", "impact": "major",
          "components": ["stripe"], "message": "Card payments fail; we are in touch with Stripe."}


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _field(html: str, name: str) -> str:
    """The value a form field shows (input value, textarea text or selected options)."""
    area = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    if area:
        return area.group(1).strip()
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)


def _selected(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option selected value="([^"]+)"', select_html)


def test_staff_keep_a_template_and_open_an_incident_from_it(client, admin, login):
    login(admin)
    new = "/admin/incident-templates/new/"
    res = client.post(new, data={"csrf_token": _token(client.get(new).get_data(as_text=True)), **STRIPE})
    assert res.status_code == 302
    template = db.session.scalars(select(IncidentTemplate)).one()
    assert (template.title, template.components) == ("Card payments failing", ["stripe"])

    picker = client.get("/admin/incidents/new/").get_data(as_text=True)
    assert "Start from a template" in picker and f"template={template.id}" in picker
    page = client.get(f"/admin/incidents/new/?template={template.id}").get_data(as_text=True)
    assert _field(page, "title") == "Card payments failing"
    assert _field(page, "message") == "Card payments fail; we are in touch with Stripe."
    assert _selected(page, "impact") == ["major"] and _selected(page, "components") == ["stripe"]
    res = client.post("/admin/incidents/new/", data={"csrf_token": _token(page), "title": _field(page, "title"),
                                                     "status": "investigating", "impact": "major",
                                                     "components": ["stripe"], "message": _field(page, "message")})
    assert res.status_code == 302
    incident = db.session.scalars(select(Incident)).one()
    assert incident.title == "Card payments failing" and incident.components == ["stripe"]

    edit = client.get(f"/admin/incidents/edit/?id={incident.id}&template={template.id}").get_data(as_text=True)
    assert "Use a template&#39;s message" in edit
    assert _field(edit, "message") == STRIPE["message"]
    assert _field(client.get(f"/admin/incidents/edit/?id={incident.id}").get_data(as_text=True), "message") == ""
    assert db.session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "incident_template.created")) == 1


def test_bad_template_input_is_refused_under_its_field_and_saves_nothing(client, admin, login):
    login(admin)
    incident_templates.save(STRIPE, admin.id)
    new = "/admin/incident-templates/new/"
    token = _token(client.get(new).get_data(as_text=True))
    twice = client.post(new, data={"csrf_token": token, **STRIPE}).get_data(as_text=True)
    assert "Failed to create record." in twice and "Already exists." in twice
    blank = client.post(new, data={"csrf_token": token, **STRIPE, "name": "Other", "title": ""}).get_data(as_text=True)
    assert "This field is required." in blank
    assert db.session.scalar(select(func.count(IncidentTemplate.id))) == 1
    assert client.get("/admin/incidents/new/?template=999999").status_code == 200  # a stale link picks nothing


def test_the_domain_names_each_bad_field_by_its_label(app):
    with pytest.raises(ValidationFailed) as caught:
        incident_templates.save({"name": " ", "title": "x", "impact": "huge", "components": ["dns"],
                                 "message": "m", "colour": "red"}, None)
    assert caught.value.fields == {
        "name": "Name is required, 1 to 100 characters.", "impact": "Impact must be one of: minor, major, critical.",
        "components": "Affected components must be among the five components (none: the whole service).",
        "colour": "Unknown field; use name, title, impact, components, message."}
    assert db.session.scalar(select(func.count(IncidentTemplate.id))) == 0
