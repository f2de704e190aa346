"""Staff side of SLA claims: the queue with measured figures beside the claim, and decisions."""
from flask import Blueprint, jsonify, request, send_file
from flask_login import current_user

from app.api import json_body
from app.auth import admin_required
from app.services import sla, sla_decide
from app.services.errors import ValidationFailed

bp = Blueprint("api_admin_sla", __name__, url_prefix="/api/admin/sla-credit")


def _page_args() -> tuple[int, int]:
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(100, max(1, int(request.args.get("per_page", 50))))
    except ValueError:
        raise ValidationFailed("page and per_page are whole numbers.", fields={"page": "invalid"}) from None
    return page, per_page


@bp.get("")
@admin_required
def queue():
    page, per_page = _page_args()
    args = request.args
    rows, total = sla.admin_search(status=args.get("status"), email=args.get("email"), plan=args.get("plan"),
                                   date_from=args.get("date_from"), date_to=args.get("date_to"),
                                   page=page, per_page=per_page)
    return jsonify(ok=True, requests=[sla.claim_json(c, admin=True) for c in rows], total=total, page=page,
                   per_page=per_page)


@bp.get("/<int:claim_id>")
@admin_required
def one(claim_id: int):
    return jsonify(ok=True, request=sla.claim_json(sla.get_claim(claim_id), admin=True))


@bp.post("/<int:claim_id>/decision")
@admin_required
def decide(claim_id: int):
    claim = sla_decide.decide_claim(claim_id, current_user, json_body())
    return jsonify(ok=True, request=sla.claim_json(claim, admin=True))


@bp.post("/<int:claim_id>/remeasure")
@admin_required
def remeasure(claim_id: int):
    claim = sla.remeasure(claim_id, current_user.id)
    return jsonify(ok=True, request=sla.claim_json(claim, admin=True))


@bp.get("/<int:claim_id>/attachment")
@admin_required
def attachment(claim_id: int):
    stream, name, content_type = sla.open_attachment(claim_id, current_user.id)
    response = send_file(stream, mimetype=content_type, as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
