"""Maintenance updates in the console: on a running window's page, a form that posts in_progress /
verifying / completed with a message, and optionally extends the window; the same domain call as
POST /api/admin/maintenances/<id>/updates, errors named by the form's labels."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.common.errors import ServiceError
from app.models.types import utcnow
from app.status import maintenance_updates
from app.status.maintenance import MAX_MESSAGE

LABELS = {"status": "Status", "message": "Message", "ends_at": "Extend to"}
STATE_WORDS = {"in_progress": "In progress", "verifying": "Verifying", "completed": "Completed"}


class MaintenanceUpdateForm(FlaskForm):
    status = SelectField("Status", choices=[SelectChoice(s, STATE_WORDS[s]) for s in maintenance_updates.STATES])
    message = TextAreaField("Message", validators=[DataRequired(), Length(max=MAX_MESSAGE)],
                            description="Shown on the status page and sent to subscribers.")
    ends_at = DateTimeLocalField("Extend to (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                 description="Only when the work overruns: the new end. Subscribers are told.")


def labelled(fields: dict[str, str]) -> list[str]:
    """"ends_at: Must be later…" as the form says it: "Extend to must be later…"."""
    return [f"{LABELS.get(name, name)} {text[:1].lower()}{text[1:]}" for name, text in fields.items()]


class MaintenanceUpdatesMixin:
    edit_template = "admin/maintenance_edit.html"

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.edit_template and model is not None:
            kwargs.setdefault("running", model.is_running(utcnow()))
            kwargs.setdefault("update_form", MaintenanceUpdateForm(status=model.status))
        return super().render(template, **kwargs)

    @expose("/<int:maintenance_id>/updates", methods=["POST"])
    def updates_view(self, maintenance_id: int):
        form = MaintenanceUpdateForm()
        if not form.validate_on_submit():
            flash("The update was not posted: " + "; ".join(
                f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()), "error")
            return redirect(url_for(".edit_view", id=maintenance_id))
        data = {"status": form.status.data, "message": form.message.data}
        if form.ends_at.data:
            data["ends_at"] = form.ends_at.data.isoformat() + "+00:00"
        try:
            maintenance_updates.post(maintenance_id, data, current_user.id)
        except ServiceError as exc:
            flash(" ".join([exc.message, *labelled(exc.fields or {})]), "error")
        else:
            flash("Update posted; subscribers are told.", "success")
        return redirect(url_for(".edit_view", id=maintenance_id))
