"""Staff side of SLA claims: the queue with measured figures beside the claim, and decisions."""
from flask import Blueprint, jsonify, request, send_file
from flask_login import current_user

from app.api import json_body
from app.auth import admin_required
from app.common.listing import parse_list_filters
from app.models.sla import SLA_STATUSES
from app.sla import claims, serializers, staff

bp = Blueprint("api_admin_sla", __name__, url_prefix="/api/admin/sla-credit")


@bp.get("")
@admin_required
def queue():
    filters = parse_list_filters(request.args, SLA_STATUSES)
    rows, total = claims.admin_search(filters, plan=(request.args.get("plan") or "").strip() or None)
    return jsonify(ok=True, requests=[serializers.admin(c) for c in rows], total=total,
                   page=filters.page, per_page=filters.per_page)


@bp.get("/<int:claim_id>")
@admin_required
def one(claim_id: int):
    view = claims.claim_view(claims.get_claim(claim_id))
    return jsonify(ok=True, request=serializers.admin(view.claim), overlapping=serializers.events(view.events))


@bp.post("/<int:claim_id>/decision")
@admin_required
def decide(claim_id: int):
    claim = staff.decide_claim(claim_id, current_user, json_body())
    return jsonify(ok=True, request=serializers.admin(claim))


@bp.post("/<int:claim_id>/credit/retry")
@admin_required
def retry_credit(claim_id: int):
    claim = staff.retry_credit(claim_id, current_user, json_body())
    return jsonify(ok=True, request=serializers.admin(claim))


@bp.post("/<int:claim_id>/remeasure")
@admin_required
def remeasure(claim_id: int):
    claim = claims.remeasure(claim_id, current_user.id)
    return jsonify(ok=True, request=serializers.admin(claim))


@bp.get("/<int:claim_id>/attachment")
@admin_required
def attachment(claim_id: int):
    stream, name, content_type = claims.open_attachment(claim_id, current_user.id)
    response = send_file(stream, mimetype=content_type, as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
