"""Support staff: list exports with filters, resend the email, invalidate a link, export on behalf."""
from flask import Blueprint, jsonify, request
from flask_login import current_user

from app.api import json_body, optional_json_body
from app.auth import admin_required
from app.common import inputs
from app.dsar import serializers, staff

bp = Blueprint("api_admin_dsar", __name__, url_prefix="/api/admin/dsar")


@bp.get("/exports")
@admin_required
def list_exports():
    filters = staff.parse_filters(request.args)
    rows, total = staff.list_exports(filters, current_user.id)
    return jsonify(ok=True, exports=rows, total=total, page=filters.page, per_page=filters.per_page)


@bp.post("/exports/<int:export_id>/resend")
@admin_required
def resend(export_id: int):
    export = staff.resend(export_id, current_user.id)
    return jsonify(ok=True, export=serializers.user_view(export), message="The link was emailed again to the owner.")


@bp.post("/exports/<int:export_id>/invalidate")
@admin_required
def invalidate(export_id: int):
    reason = inputs.text_field(optional_json_body(), "reason", staff.MAX_REASON) or None
    export = staff.invalidate(export_id, current_user.id, reason=reason)
    return jsonify(ok=True, export=serializers.user_view(export))


@bp.post("/exports")
@admin_required
def export_on_behalf():
    data = json_body()
    export = staff.export_on_behalf(inputs.text_field(data, "email", 320),
                                         inputs.text_field(data, "reason", staff.MAX_REASON), current_user.id)
    return jsonify(ok=True, job_id=export.id, export=serializers.user_view(export)), 202


@bp.post("/exports/<int:export_id>/extend")
@admin_required
def extend(export_id: int):
    data = json_body()
    export = staff.extend_deadline(export_id, current_user.id, inputs.text_field(data, "reason",
                                                                                       staff.MAX_REASON),
                                        data.get("months", 2))
    return jsonify(ok=True, export=serializers.admin_view(export),
                   message=f"The deadline is now {export.due_at:%d %B %Y}; the user was emailed.")
