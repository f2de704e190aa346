import json

from flask_admin.contrib.sqla.filters import FilterEqual
from markupsafe import Markup

from admin_views.base import SecureModelView
from admin_views.filters import UserEmailFilter
from app.models import AuditLog


def _details(view, context, model, name):
    """Key/value pairs a person can read, instead of a JSON blob cut off at the edge of the grid."""
    details = model.details
    if not details:
        return ""
    if not isinstance(details, dict):
        return json.dumps(details, ensure_ascii=False)
    row = Markup("<dt>{}</dt><dd>{}</dd>")
    pairs = Markup("").join(row.format(key, _value(value)) for key, value in details.items())
    return Markup('<dl class="audit-details">{}</dl>').format(pairs)


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class AuditLogView(SecureModelView):
    """Read-only: audit_log is append-only, so nothing here may create, edit or delete."""

    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("created_at", "actor", "action", "target_user", "target_type", "target_id", "ip", "details")
    column_default_sort = ("id", True)
    column_formatters = {"details": _details}
    column_formatters_detail = {"details": _details}
    # The search box matches any word in the action, target, address or details (JSON cast to text).
    column_searchable_list = ("action", "target_type", "target_id", "ip", "details")
    column_filters = (
        UserEmailFilter(AuditLog.actor_id, "Actor email"),
        FilterEqual(AuditLog.action, "Action"),
        UserEmailFilter(AuditLog.target_user_id, "Target user email"),
        AuditLog.created_at,
    )

    def search_placeholder(self) -> str:
        return "Search action, target, IP, details"
