"""The status domain in the console.

Incidents: staff create, update and resolve them; every save with a message adds a timeline entry.

The edit page lists the incident's timeline (incident_updates, newest first) above the form, and
the form starts with an empty "Update message" so each save is a new, deliberate update.

Scheduled maintenance in the console: the form and the row actions call the same service as
/api/admin/maintenances, so validation, the audit row and the cache refresh are one code path.
"""
from __future__ import annotations

from datetime import UTC, timedelta

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.babel import gettext
from flask_admin.form import Select2Widget
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, DateTimeLocalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from admin_views.base import SecureModelView, utc_text
from admin_views.maintenance_updates import MaintenanceUpdatesMixin
from app.common.errors import ServiceError
from app.models.status import COMPONENT_NAMES, COMPONENTS, INCIDENT_IMPACTS, INCIDENT_STATUSES
from app.models.types import utcnow
from app.status import incident_templates, incidents, maintenance, postmortems
from app.status.declared import COMPONENT_STATUSES, STATUS_WORDS

# Per component, the Statuspage status an update declares (SPEC: the incident-update `components` mapping).
DECLARE_CHOICES = [SelectChoice("", "No change"), *(SelectChoice(s, STATUS_WORDS[s]) for s in COMPONENT_STATUSES)]


def _components(view, context, model, name):
    return ", ".join(model.components or []) or Markup('<span class="text-muted">whole service</span>')


def _update_count(view, context, model, name):
    return len(model.updates)


def _timeline(view, context, model, name):
    item = Markup("<li><small>{}</small> <strong>{}</strong> — {}</li>")
    items = Markup("").join(item.format(utc_text(u.created_at), u.status, u.message)
                            for u in model.updates)
    return Markup('<ol class="incident-timeline">{}</ol>').format(items)


def _not_in_the_future(form, field):
    if field.data and field.data.replace(tzinfo=UTC) > utcnow() + timedelta(minutes=5):
        raise ValidationError("An incident cannot start in the future; use scheduled maintenance for that.")


class PostmortemForm(FlaskForm):
    body = TextAreaField("Postmortem", validators=[DataRequired(), Length(max=postmortems.MAX_BODY)],
                         description="What happened, why, and what changes; shown on the incident's page.")
    notify = BooleanField("Tell subscribers (email and webhooks)")


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
    form_columns = ("title", "status", "impact", "components", "started_at", "message",
                    *(f"declare_{c}" for c in COMPONENTS))
    form_extra_fields = {f"declare_{c}": SelectField(
        f"{COMPONENT_NAMES[c]}: status from this update", choices=DECLARE_CHOICES, default="",
        description="Shown on the status page until a later update or the resolution changes it.")
        for c in COMPONENTS}
    form_overrides = {
        "status": SelectField, "impact": SelectField, "components": SelectMultipleField, "message": TextAreaField,
        # The browser's own date-time control: typeable and accessible (Flask-Admin's picker rewrites
        # the text on every keystroke).
        "started_at": DateTimeLocalField,
    }
    form_args = {
        "title": {"validators": [DataRequired(), Length(max=200)]},
        "status": {"choices": [SelectChoice(s, s.capitalize()) for s in INCIDENT_STATUSES]},
        "impact": {"choices": [SelectChoice(s, s.capitalize()) for s in INCIDENT_IMPACTS]},
        # Select2: type to pick several, no Ctrl-click; names as the status page shows them.
        "components": {"choices": [SelectChoice(c, COMPONENT_NAMES.get(c, c)) for c in COMPONENTS],
                       "label": "Affected components", "widget": Select2Widget(multiple=True),
                       "description": "Leave empty when the whole service is affected."},
        "started_at": {"label": "Started at (UTC)", "format": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                       "validators": [Optional(), _not_in_the_future],
                       "description": "When users were first affected, in UTC. Empty: now."},
        "message": {"label": "Update message", "validators": [DataRequired()],
                    "description": "Shown on the status page and added to the incident's timeline."},
    }
    create_template = "admin/incident_create.html"
    edit_template = "admin/incident_edit.html"
    extra_js = ["/static/admin_incident.js"]  # the live banner preview
    can_delete = False

    def render(self, template, **kwargs):
        if template in (self.create_template, self.edit_template):
            kwargs.setdefault("incident_templates", incident_templates.everything())
        model = kwargs.get("model")
        if template == self.edit_template and model is not None and model.status == "resolved":
            kwargs.setdefault("postmortem_form", PostmortemForm(body=model.postmortem_body))
        return super().render(template, **kwargs)

    @expose("/<int:incident_id>/postmortem", methods=["POST"])
    def postmortem_view(self, incident_id: int):
        """The same domain call as POST /api/admin/incidents/<id>/postmortem."""
        form = PostmortemForm()
        if not form.validate_on_submit():
            flash("The postmortem was not saved: " + "; ".join(
                f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()), "error")
        else:
            try:
                postmortems.publish(incident_id, {"body": form.body.data, "notify": form.notify.data}, current_user.id)
            except ServiceError as exc:
                flash(exc.message, "error")
            else:
                flash("Postmortem published" + (" and subscribers told." if form.notify.data else "."), "success")
        return redirect(url_for(".edit_view", id=incident_id))

    def on_form_prefill(self, form, id):
        if request.method == "GET":  # each save posts a new timeline entry; the old ones are listed above
            picked = incident_templates.picked(request.args.get("template"))
            form.message.data = picked.message if picked else ""

    def create_form(self, obj=None):
        """`?template=<id>` opens the form filled from that template (all still editable)."""
        form = super().create_form(obj)
        picked = incident_templates.picked(request.args.get("template")) if request.method == "GET" else None
        if picked is not None:
            form.title.data, form.impact.data, form.message.data = picked.title, picked.impact, picked.message
            form.components.data = list(picked.components or [])
        return form

    def update_model(self, form, model):
        """A resolved incident takes no more updates: refused before the form touches the row, with
        the API's message (no second "resolved" entry, no mail, no banner rewrite)."""
        try:
            incidents.ensure_open(model.id)
        except ServiceError as exc:
            flash(exc.message, "error")
            return False
        return super().update_model(form, model)

    def on_model_change(self, form, model, is_created):
        if model.started_at is None:  # left empty: keep what it was, or now for a new incident
            model.started_at = form.started_at.object_data or utcnow()
        declared = {c: getattr(form, f"declare_{c}").data for c in COMPONENTS if getattr(form, f"declare_{c}").data}
        incidents.apply_change(model, is_created, current_user.id, incidents.clean_declared(declared, model))

    def after_model_change(self, form, model, is_created):
        incidents.after_change(model)


# --- scheduled maintenance -------------------------------------------------------------------

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


MAINTENANCE_LABELS = {"title": "Title", "message": "Message", "components": "Affected components",
                      "starts_at": "Starts at", "ends_at": "Ends at", "status": "Status"}


def labelled(fields: dict[str, str]) -> list[str]:
    """The API's field errors as the form's labels say them: "Ends at must be after starts at."."""
    out = []
    for name, text in fields.items():
        for key, label in MAINTENANCE_LABELS.items():
            text = text.replace(key, label.lower())
        out.append(f"{MAINTENANCE_LABELS.get(name, name)} {text[:1].lower()}{text[1:]}")
    return out


class MaintenanceView(MaintenanceUpdatesMixin, SecureModelView):
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
        # All five components by the names the status page uses; Select2 as on the incident form.
        "components": {"choices": [SelectChoice(c, COMPONENT_NAMES.get(c, c)) for c in COMPONENTS],
                       "label": "Affected components", "widget": Select2Widget(multiple=True),
                       "description": "Leave empty for the whole service."},
        "starts_at": {"label": "Starts at (UTC)", "format": "%Y-%m-%dT%H:%M", "validators": [DataRequired()]},
        "ends_at": {"label": "Ends at (UTC)", "format": "%Y-%m-%dT%H:%M", "validators": [DataRequired()]},
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
            flash(" ".join([str(exc.message), *labelled(exc.fields or {})]), "error")
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
