"""Incidents: staff create, update and resolve them; every change is audited."""
from flask_login import current_user
from wtforms import SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length

from admin_views.base import SecureModelView
from app.models.status import COMPONENTS, INCIDENT_IMPACTS, INCIDENT_STATUSES
from app.services import incidents


class IncidentView(SecureModelView):
    column_list = ("id", "title", "status", "impact", "components", "started_at", "resolved_at", "updated_at")
    column_default_sort = ("started_at", True)
    column_filters = ("status", "impact", "started_at")
    column_searchable_list = ("title",)
    form_columns = ("title", "status", "impact", "components", "message")
    form_overrides = {
        "status": SelectField, "impact": SelectField, "components": SelectMultipleField, "message": TextAreaField,
    }
    form_args = {
        "title": {"validators": [DataRequired(), Length(max=200)]},
        "status": {"choices": [(s, s.capitalize()) for s in INCIDENT_STATUSES]},
        "impact": {"choices": [(s, s.capitalize()) for s in INCIDENT_IMPACTS]},
        "components": {"choices": [(c, c.capitalize()) for c in COMPONENTS],
                       "description": "Leave empty when the whole service is affected."},
        "message": {"label": "Update message", "validators": [DataRequired()],
                    "description": "Shown on the status page and added to the incident's timeline."},
    }
    can_delete = False

    def on_model_change(self, form, model, is_created):
        incidents.apply_change(model, is_created, actor_id=current_user.id)

    def after_model_change(self, form, model, is_created):
        incidents.after_change(model)
