"""Scheduled maintenance in the console: the form and the row actions call the same service as
/api/admin/maintenances, so validation, the audit row and the cache refresh are one code path."""
from flask import flash
from flask_admin.actions import action
from flask_admin.babel import gettext
from flask_login import current_user
from markupsafe import Markup
from wtforms import DateTimeLocalField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from admin_views.base import SecureModelView
from app.common.errors import ServiceError
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status import maintenance


def _components(view, context, model, name):
    return ", ".join(model.components or []) or Markup('<span class="text-muted">whole service</span>')


def _state(view, context, model, name):
    return str(model.state_at(utcnow())).replace("_", " ")


def _utc(view, context, model, name):
    value = getattr(model, name)
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _payload(form) -> dict:
    def stamp(value):
        return value.isoformat() + "+00:00" if value else ""

    return {"title": form.title.data, "message": form.message.data, "components": form.components.data or [],
            "starts_at": stamp(form.starts_at.data), "ends_at": stamp(form.ends_at.data)}


class MaintenanceView(SecureModelView):
    column_list = ("id", "title", "status", "components", "starts_at", "ends_at", "ended_at")
    column_formatters = {"components": _components, "status": _state, "starts_at": _utc, "ends_at": _utc,
                         "ended_at": _utc}
    column_default_sort = ("starts_at", True)
    column_labels = {"ended_at": "Completed early at"}
    form_columns = ("title", "message", "components", "starts_at", "ends_at")
    form_overrides = {"title": StringField, "message": TextAreaField, "components": SelectMultipleField,
                      "starts_at": DateTimeLocalField, "ends_at": DateTimeLocalField}
    form_args = {
        "title": {"validators": [DataRequired(), Length(max=200)]},
        "components": {"choices": [SelectChoice(c, c.capitalize()) for c in COMPONENTS],
                       "label": "Affected components", "description": "Leave empty for the whole service."},
        "starts_at": {"label": "Starts (UTC)", "format": "%Y-%m-%dT%H:%M", "validators": [DataRequired()]},
        "ends_at": {"label": "Ends (UTC)", "format": "%Y-%m-%dT%H:%M", "validators": [DataRequired()]},
    }
    can_delete = False

    def create_model(self, form):
        return self._save(lambda: maintenance.schedule(_payload(form), current_user.id))

    def update_model(self, form, model):
        return self._save(lambda: maintenance.update(model.id, _payload(form), current_user.id))

    def _save(self, operation):
        try:
            return operation()
        except ServiceError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in (exc.fields or {}).items())
            flash(f"{exc.message} {details}".strip(), "error")
            return False

    @action("complete", "Complete now", "Mark the selected maintenance as completed now?")
    def action_complete(self, ids):
        self._each(ids, maintenance.complete, "completed")

    @action("cancel", "Cancel", "Cancel the selected scheduled maintenance?")
    def action_cancel(self, ids):
        self._each(ids, maintenance.cancel, "canceled")

    def _each(self, ids, operation, verb: str) -> None:
        for maintenance_id in sorted(int(i) for i in ids):
            try:
                operation(maintenance_id, current_user.id)
                flash(gettext(f"Maintenance {maintenance_id} {verb}."), "success")
            except ServiceError as exc:
                flash(f"Maintenance {maintenance_id}: {exc.message}", "error")
