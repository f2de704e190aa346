"""SLA credit claims for the signed-in user: file one (JSON or multipart with evidence), list one's own.

Staff (/api/admin/sla-credit): the queue with measured figures beside the claim, and decisions.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request, send_file
from flask_login import current_user

from app.api import json_body, optional_json_body
from app.auth import admin_required, login_required
from app.common.listing import parse_list_filters
from app.common.money import format_amount
from app.models.sla import SLA_STATUSES
from app.models.sla_thread import MessageSide
from app.sla import batch, checks_csv, claims, disputes, events, facts, serializers, staff, thread
from app.sla import preview as sla_preview

bp = Blueprint("api_sla", __name__, url_prefix="/api/support")


def _mine(claim) -> dict:
    return serializers.user(claim, facts.customer(claim))


def _staff(claim) -> dict:
    return serializers.admin(claim, facts.staff(claim))


@bp.post("/sla-credit")
@login_required
def file_claim():
    if request.mimetype == "multipart/form-data":
        data, upload = request.form.to_dict(), request.files.get("attachment")
    else:
        data, upload = json_body(), None
    claim = claims.file_claim(current_user, data, upload)
    return jsonify(ok=True, ticket_id=claim.ticket_id, request=_mine(claim)), 201


@bp.get("/sla-credit")
@login_required
def my_claims():
    return jsonify(ok=True, requests=[_mine(c) for c in claims.claims_for_user(current_user.id)])


@bp.get("/sla-credit/preview")
@login_required
def preview():
    """The measurement staff will see for this window, before filing."""
    found = sla_preview.preview(current_user, request.args.to_dict())
    return jsonify(ok=True, **found, suggested_credit_display=format_amount(found["suggested_credit_amount"],
                                                                             found["currency"]),
                   period_charge_display=format_amount(found["period_charge"], found["currency"]))


@bp.get("/sla-credit/<int:claim_id>/checks.csv")
@login_required
def my_checks(claim_id: int):
    return checks_csv.download(checks_csv.own_claim(claim_id, current_user.id))


@bp.post("/sla-credit/<int:claim_id>/dispute")
@login_required
def dispute(claim_id: int):
    if request.mimetype == "multipart/form-data":
        data, upload = request.form.to_dict(), request.files.get("attachment")
    else:
        data, upload = json_body(), None
    claim = disputes.open_dispute(current_user, claim_id, data, upload)
    return jsonify(ok=True, request=_mine(claim)), 201


@bp.post("/sla-credit/<int:claim_id>/messages")
@login_required
def customer_message(claim_id: int):
    disputes.own_claim(current_user, claim_id)
    message = thread.post(claim_id, current_user, json_body(), MessageSide.CUSTOMER)
    return jsonify(ok=True, message=serializers.message(message)), 201


@bp.get("/sla-credit/overlaps")
@login_required
def overlaps():
    """Incidents and maintenance we recorded in a window, shown while the customer fills the form."""
    start, end = events.parse_window(request.args)
    return jsonify(ok=True, **serializers.events(events.overlapping(start, end)))


# --- staff ---------------------------------------------------------------------------------------

staff_bp = Blueprint("api_admin_sla", __name__, url_prefix="/api/admin/sla-credit")


@staff_bp.get("")
@admin_required
def queue():
    filters = parse_list_filters(request.args, (*SLA_STATUSES, claims.DISPUTED))
    rows, total = claims.admin_search(filters, plan=(request.args.get("plan") or "").strip() or None)
    return jsonify(ok=True, requests=[_staff(c) for c in rows], total=total,
                   page=filters.page, per_page=filters.per_page)


@staff_bp.get("/<int:claim_id>")
@admin_required
def one(claim_id: int):
    view = claims.claim_view(claims.get_claim(claim_id))
    return jsonify(ok=True, request=_staff(view.claim), overlapping=serializers.events(view.events))


@staff_bp.post("/batch-decision")
@admin_required
def batch_decision():
    """Many pending claims approved with their suggested credits; the credits are made by a job."""
    result = batch.approve(batch.parse(json_body()), current_user.id)
    return jsonify(ok=True, approved=result["approved"], skipped=result["skipped"])


@staff_bp.post("/<int:claim_id>/decision")
@admin_required
def decide(claim_id: int):
    claim = staff.decide_claim(claim_id, current_user, json_body())
    return jsonify(ok=True, request=_staff(claim))


@staff_bp.post("/<int:claim_id>/dispute-decision")
@admin_required
def decide_dispute(claim_id: int):
    claim = disputes.decide_dispute(claim_id, current_user, json_body())
    return jsonify(ok=True, request=_staff(claim))


@staff_bp.post("/<int:claim_id>/dispute-credit/retry")
@admin_required
def retry_dispute_credit(claim_id: int):
    claim = disputes.retry_credit(claim_id, current_user, optional_json_body())
    return jsonify(ok=True, request=_staff(claim))


@staff_bp.post("/<int:claim_id>/messages")
@admin_required
def staff_message(claim_id: int):
    message = thread.post(claim_id, current_user, json_body(), MessageSide.SUPPORT)
    return jsonify(ok=True, message=serializers.message(message)), 201


@staff_bp.post("/<int:claim_id>/credit/retry")
@admin_required
def retry_credit(claim_id: int):
    claim = staff.retry_credit(claim_id, current_user, json_body())
    return jsonify(ok=True, request=_staff(claim))


@staff_bp.post("/<int:claim_id>/remeasure")
@admin_required
def remeasure(claim_id: int):
    claim = claims.remeasure(claim_id, current_user.id)
    return jsonify(ok=True, request=_staff(claim))


@staff_bp.get("/<int:claim_id>/attachment")
@admin_required
def attachment(claim_id: int):
    stream, name, content_type = claims.open_attachment(claim_id, current_user.id)
    response = send_file(stream, mimetype=content_type, as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@staff_bp.get("/<int:claim_id>/checks.csv")
@admin_required
def checks(claim_id: int):
    return checks_csv.download(claims.get_claim(claim_id))


BLUEPRINTS = (bp, staff_bp)
