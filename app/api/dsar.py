"""The person's own data exports: ask for one, list them."""
from flask import Blueprint, jsonify
from flask_login import current_user

from app.auth import login_required
from app.dsar import exports, serializers

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
