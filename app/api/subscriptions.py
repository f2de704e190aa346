"""POST /api/status/subscribers: subscribe to status notifications, no account needed (SPEC)."""
from flask import Blueprint, current_app, jsonify

from app.api import json_body
from app.extensions import csrf, limiter
from app.subscriptions import subscribers

bp = Blueprint("api_status_subscribers", __name__, url_prefix="/api/status")


@bp.post("/subscribers")
# No session is involved (anyone may subscribe any address; only its owner can confirm), and the body
# must be JSON, which a cross-site form cannot send: so no CSRF token is asked for.
@csrf.exempt
# One allowance per client for this API and the /status/subscribe form together (scope "status-subscribe").
@limiter.shared_limit(lambda: current_app.config["STATUS_SUBSCRIBE_PER_CLIENT"], scope="status-subscribe")
def subscribe():
    subscribers.request_subscription(json_body())
    # The same answer whether the address is new, pending or already confirmed: no enumeration.
    return jsonify(ok=True, message=str(subscribers.ACCEPTED)), 202
