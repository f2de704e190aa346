"""Draft incidents in the console: what the checks raised (app/status/drafts.py), not public until
staff publish one with one click (it becomes an ordinary incident, subscribers told) or dismiss it."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from admin_views.base import RowActionsMixin, SecureModelView
from app.common.errors import ServiceError
from app.models.status import COMPONENT_NAMES
from app.status import drafts


def _components(view, context, model, name):
    return ", ".join(COMPONENT_NAMES.get(c, c) for c in model.components or []) or "whole service"


def _state(view, context, model, name):
    return drafts.STATE_WORDS.get(model.status, model.status)


def _incident(view, context, model, name):
    if not model.incident_id:
        return ""
    return Markup('<a href="{}">Incident {}</a>').format(url_for("incidents.edit_view", id=model.incident_id),
                                                         model.incident_id)


class IncidentDraftView(RowActionsMixin, SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    list_template = "admin/incident_drafts_list.html"
    details_template = "admin/incident_draft_details.html"
    column_list = ("id", "status", "title", "impact", "components", "created_at", "oncall_mailed_at", "incident")
    column_details_list = ("id", "status", "title", "impact", "components", "message", "created_at",
                           "oncall_mailed_at", "closed_at", "incident")
    column_labels = {"status": "State", "created_at": "Raised", "oncall_mailed_at": "On-call mailed",
                     "closed_at": "Closed", "message": "First message"}
    column_formatters = {"components": _components, "status": _state, "incident": _incident}
    column_formatters_detail = column_formatters
    column_default_sort = ("created_at", True)
    column_filters = ("status",)

    @expose("/<int:draft_id>/publish", methods=["POST"])
    def publish_view(self, draft_id: int):
        try:
            incident = drafts.publish(draft_id, current_user.id)
        except ServiceError as exc:
            flash(exc.message, "error")
            return self._back()
        flash(f"Published as incident {incident.id}; subscribers are told. Post updates from here.", "success")
        return redirect(url_for("incidents.edit_view", id=incident.id))

    @expose("/<int:draft_id>/dismiss", methods=["POST"])
    def dismiss_view(self, draft_id: int):
        return self._row_action(lambda: drafts.dismiss(draft_id, current_user.id),
                                lambda row: f"Draft {row.id} dismissed; nothing was published.")
