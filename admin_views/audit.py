from flask_admin.contrib.sqla.filters import FilterEqual

from admin_views.base import SecureModelView
from admin_views.filters import UserEmailFilter
from app.models import AuditLog


class AuditLogView(SecureModelView):
    """Read-only: audit_log is append-only, so nothing here may create, edit or delete."""

    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("created_at", "actor", "action", "target_user", "target_type", "target_id", "ip", "details")
    column_default_sort = ("id", True)
    column_filters = (
        UserEmailFilter(AuditLog.actor_id, "Actor email"),
        FilterEqual(AuditLog.action, "Action"),
        UserEmailFilter(AuditLog.target_user_id, "Target user email"),
        AuditLog.created_at,
    )
