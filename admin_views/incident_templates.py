"""Incident templates in the console: a grid and a form whose saves go through the domain
(app/status/incident_templates.py), so errors name fields by their labels and every save is audited."""
from __future__ import annotations

from flask import flash
from flask_login import current_user
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from admin_views.base import SecureModelView
from app.common.errors import ServiceError
from app.models.status import COMPONENT_NAMES, COMPONENTS, INCIDENT_IMPACTS
from app.status import incident_templates

LABELS = {"name": "Name", "title": "Title", "impact": "Impact", "components": "Affected components",
          "message": "Message"}


class IncidentTemplateView(SecureModelView):
    column_list = ("name", "title", "impact", "components", "updated_at")
    column_default_sort = "name"
    form_columns = ("name", "title", "impact", "components", "message")
    form_overrides = {"name": StringField, "title": StringField, "impact": SelectField,
                      "components": SelectMultipleField, "message": TextAreaField}
    form_args = {
        "name": {"description": "How staff find it, e.g. \"Stripe outage\"."},
        "impact": {"choices": [SelectChoice(s, s.capitalize()) for s in INCIDENT_IMPACTS]},
        "components": {"label": LABELS["components"], "choices": [SelectChoice(c, COMPONENT_NAMES.get(c, c))
                                                                  for c in COMPONENTS],
                       "description": "Leave empty when the whole service is affected."},
        "message": {"description": "The first update, or an update's text; edit it before posting."},
    }
    can_delete = True  # through the domain: audited

    def create_model(self, form):
        return self._save(form, None)

    def update_model(self, form, model):
        return self._save(form, model.id)

    def _save(self, form, template_id):
        data = {name: form[name].data for name in incident_templates.FIELDS}
        data["components"] = data["components"] or []
        try:
            return incident_templates.save(data, current_user.id, template_id)
        except ServiceError as exc:
            flash(" ".join([exc.message, *(exc.fields or {}).values()]), "error")
            return False

    def delete_model(self, model):
        try:
            incident_templates.remove(model.id, current_user.id)
        except ServiceError as exc:
            flash(exc.message, "error")
            return False
        return True
