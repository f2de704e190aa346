"""The person's own data exports: ask for one, list them."""
from flask import Blueprint, jsonify
from flask_login import current_user

from app.auth import login_required
from app.serializers import dsar as serialize
from app.services import dsar

bp = Blueprint("api_dsar", __name__, url_prefix="/api/dsar")


@bp.post("/export")
@login_required
def request_export():
    export = dsar.request_export(current_user.id)
    return jsonify(ok=True, job_id=export.id, export=serialize.user_view(export)), 202


@bp.get("/exports")
@login_required
def list_exports():
    return jsonify(ok=True, exports=[serialize.user_view(e) for e in dsar.list_for_user(current_user.id)])
