"""SLA credit claims for the signed-in user: file one (JSON or multipart with evidence), list one's own."""
from flask import Blueprint, jsonify, request
from flask_login import current_user

from app.api import json_body
from app.auth import login_required
from app.sla import claims, events, serializers

bp = Blueprint("api_sla", __name__, url_prefix="/api/support")


@bp.post("/sla-credit")
@login_required
def file_claim():
    if request.mimetype == "multipart/form-data":
        data, upload = request.form.to_dict(), request.files.get("attachment")
    else:
        data, upload = json_body(), None
    claim = claims.file_claim(current_user, data, upload)
    return jsonify(ok=True, ticket_id=claim.ticket_id, request=serializers.user(claim)), 201


@bp.get("/sla-credit")
@login_required
def my_claims():
    return jsonify(ok=True, requests=[serializers.user(c) for c in claims.claims_for_user(current_user.id)])


@bp.get("/sla-credit/overlaps")
@login_required
def overlaps():
    """Incidents and maintenance we recorded in a window, shown while the customer fills the form."""
    start, end = events.parse_window(request.args)
    return jsonify(ok=True, **serializers.events(events.overlapping(start, end)))
