"""Incidents: staff create, update and resolve them; every save with a message adds a timeline entry.

The edit page lists the incident's timeline (incident_updates, newest first) above the form, and
the form starts with an empty "Update message" so each save is a new, deliberate update.
"""
from flask import request
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from admin_views.base import SecureModelView
from app.models.status import COMPONENTS, INCIDENT_IMPACTS, INCIDENT_STATUSES
from app.services import incidents


def _components(view, context, model, name):
    return ", ".join(model.components or []) or Markup('<span class="text-muted">whole service</span>')


def _update_count(view, context, model, name):
    return len(model.updates)


def _timeline(view, context, model, name):
    item = Markup("<li><small>{}</small> <strong>{}</strong> — {}</li>")
    items = Markup("").join(item.format(u.created_at.strftime("%Y-%m-%d %H:%M UTC"), u.status, u.message)
                            for u in model.updates)
    return Markup('<ol class="incident-timeline">{}</ol>').format(items)


class IncidentView(SecureModelView):
    column_list = ("id", "title", "status", "impact", "components", "updates", "started_at", "resolved_at",
                   "updated_at")
    column_details_list = ("id", "title", "status", "impact", "components", "message", "started_at",
                           "resolved_at", "updated_at", "updates")
    column_labels = {"updates": "Timeline", "message": "Latest update"}
    column_formatters = {"components": _components, "updates": _update_count}
    column_formatters_detail = {"components": _components, "updates": _timeline}
    column_default_sort = ("started_at", True)
    column_filters = ("status", "impact", "started_at")
    column_searchable_list = ("title",)
    form_columns = ("title", "status", "impact", "components", "message")
    form_overrides = {
        "status": SelectField, "impact": SelectField, "components": SelectMultipleField, "message": TextAreaField,
    }
    form_args = {
        "title": {"validators": [DataRequired(), Length(max=200)]},
        "status": {"choices": [SelectChoice(s, s.capitalize()) for s in INCIDENT_STATUSES]},
        "impact": {"choices": [SelectChoice(s, s.capitalize()) for s in INCIDENT_IMPACTS]},
        "components": {"choices": [SelectChoice(c, c.capitalize()) for c in COMPONENTS], "label": "Affected components",
                       "description": "Leave empty when the whole service is affected."},
        "message": {"label": "Update message", "validators": [DataRequired()],
                    "description": "Shown on the status page and added to the incident's timeline."},
    }
    edit_template = "admin/incident_edit.html"
    can_delete = False

    def on_form_prefill(self, form, id):
        if request.method == "GET":  # each save posts a new timeline entry; the old ones are listed above
            form.message.data = ""

    def on_model_change(self, form, model, is_created):
        incidents.apply_change(model, is_created, actor_id=current_user.id)

    def after_model_change(self, form, model, is_created):
        incidents.after_change(model)
