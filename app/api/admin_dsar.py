"""Support staff: list exports with filters, resend the email, invalidate a link, export on behalf."""
from flask import Blueprint, jsonify, request
from flask_login import current_user

from app.api import json_body, optional_json_body
from app.auth import admin_required
from app.services import dsar, dsar_admin, inputs

bp = Blueprint("api_admin_dsar", __name__, url_prefix="/api/admin/dsar")


@bp.get("/exports")
@admin_required
def list_exports():
    filters = dsar_admin.parse_filters(request.args)
    rows, total = dsar_admin.list_exports(filters, current_user.id)
    return jsonify(ok=True, exports=rows, total=total, page=filters.page, per_page=filters.per_page)


@bp.post("/exports/<int:export_id>/resend")
@admin_required
def resend(export_id: int):
    export = dsar_admin.resend(export_id, current_user.id)
    return jsonify(ok=True, export=dsar.export_json(export), message="The link was emailed again to the owner.")


@bp.post("/exports/<int:export_id>/invalidate")
@admin_required
def invalidate(export_id: int):
    reason = inputs.text_field(optional_json_body(), "reason", dsar_admin.MAX_REASON) or None
    export = dsar_admin.invalidate(export_id, current_user.id, reason=reason)
    return jsonify(ok=True, export=dsar.export_json(export))


@bp.post("/exports")
@admin_required
def export_on_behalf():
    data = json_body()
    export = dsar_admin.export_on_behalf(inputs.text_field(data, "email", 320),
                                         inputs.text_field(data, "reason", dsar_admin.MAX_REASON), current_user.id)
    return jsonify(ok=True, job_id=export.id, export=dsar.export_json(export)), 202
