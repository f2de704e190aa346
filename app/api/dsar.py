"""The person's own data exports: ask for one, list them.

Staff (/api/admin/dsar): list exports with filters, resend the email, invalidate a link, extend the
deadline, export on behalf.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from app.api import json_body, optional_json_body
from app.auth import admin_required, login_required
from app.common import inputs
from app.dsar import erasure, erasure_staff, exports, serializers, staff

bp = Blueprint("api_dsar", __name__, url_prefix="/api/dsar")


@bp.post("/export")
@login_required
def request_export():
    export = exports.request_export(current_user.id)
    return jsonify(ok=True, job_id=export.id, export=serializers.user_view(export)), 202


@bp.get("/exports")
@login_required
def list_exports():
    return jsonify(ok=True, exports=[serializers.user_view(e) for e in exports.list_for_user(current_user.id)])


@bp.post("/erasure")
@login_required
def request_erasure():
    """Art. 17: the password re-entered; erased after DSAR_ERASURE_GRACE_DAYS unless canceled or held."""
    data = json_body()
    password = inputs.text_field(data, "password", erasure.MAX_PASSWORD_CHARS, strip=False)
    row = erasure.request_erasure(current_user.id, password)
    return jsonify(ok=True, request=erasure.view(row)), 202


@bp.get("/erasure")
@login_required
def latest_erasure():
    return jsonify(ok=True, request=erasure.view(erasure.latest_for_user(current_user.id)))


@bp.post("/erasure/<int:erasure_id>/cancel")
@login_required
def cancel_erasure(erasure_id: int):
    return jsonify(ok=True, request=erasure.view(erasure.cancel(erasure_id, current_user.id)))


# --- staff ---------------------------------------------------------------------------------------

staff_bp = Blueprint("api_admin_dsar", __name__, url_prefix="/api/admin/dsar")


@staff_bp.get("/exports")
@admin_required
def list_all_exports():
    filters = staff.parse_filters(request.args)
    rows, total = staff.list_exports(filters, current_user.id)
    return jsonify(ok=True, exports=rows, total=total, page=filters.page, per_page=filters.per_page)


@staff_bp.post("/exports/<int:export_id>/resend")
@admin_required
def resend(export_id: int):
    export = staff.resend(export_id, current_user.id)
    return jsonify(ok=True, export=serializers.user_view(export), message="The link was emailed again to the owner.")


@staff_bp.post("/exports/<int:export_id>/invalidate")
@admin_required
def invalidate(export_id: int):
    reason = inputs.text_field(optional_json_body(), "reason", staff.MAX_REASON) or None
    export = staff.invalidate(export_id, current_user.id, reason=reason)
    return jsonify(ok=True, export=serializers.user_view(export))


@staff_bp.post("/exports")
@admin_required
def export_on_behalf():
    data = json_body()
    export = staff.export_on_behalf(inputs.text_field(data, "email", 320),
                                         inputs.text_field(data, "reason", staff.MAX_REASON), current_user.id)
    return jsonify(ok=True, job_id=export.id, export=serializers.user_view(export)), 202


@staff_bp.post("/exports/<int:export_id>/extend")
@admin_required
def extend(export_id: int):
    data = json_body()
    export = staff.extend_deadline(export_id, current_user.id, inputs.text_field(data, "reason",
                                                                                       staff.MAX_REASON),
                                        data.get("months", 2))
    return jsonify(ok=True, export=serializers.admin_view(export),
                   message=f"The deadline is now {export.due_at:%d %B %Y}; the user was emailed.")


@staff_bp.get("/erasures")
@admin_required
def list_erasures():
    filters = erasure_staff.parse_filters(request.args)
    rows, total = erasure_staff.list_erasures(filters, current_user.id)
    return jsonify(ok=True, erasures=rows, total=total, page=filters.page, per_page=filters.per_page)


@staff_bp.post("/erasures/<int:erasure_id>/hold")
@admin_required
def hold_erasure(erasure_id: int):
    reason = inputs.text_field(json_body(), "reason", erasure_staff.MAX_REASON)
    row = erasure_staff.hold(erasure_id, current_user.id, reason)
    return jsonify(ok=True, request=erasure.view(row), message="The erasure is on hold; the person was emailed.")


@staff_bp.post("/erasures/<int:erasure_id>/release")
@admin_required
def release_erasure(erasure_id: int):
    row = erasure_staff.release(erasure_id, current_user.id)
    return jsonify(ok=True, request=erasure.view(row),
                   message=f"Released: the account is erased on {row.scheduled_for:%d %B %Y}.")


BLUEPRINTS = (bp, staff_bp)
