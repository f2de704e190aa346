"""/sla-credits: what the SLA promises, the claim form and the user's own claims."""
from flask import current_app, render_template
from flask_login import current_user

from app.serializers import sla as sla_json
from app.services import sla
from app.services.money import format_amount
from app.services.sla_attachments import ALLOWED_TEXT, MAX_BYTES
from public import bp


@bp.get("/sla-credits")
def sla_credits():
    subscriptions, claims = [], []
    if current_user.is_authenticated:
        subscriptions = sla.active_subscriptions(current_user.id)
        claims = [sla_json.user(c) for c in sla.claims_for_user(current_user.id)]
    return render_template(
        "sla_credits.html", tiers=current_app.config["SLA_TIERS"], subscriptions=subscriptions, claims=claims,
        filing_days=current_app.config["SLA_FILING_DAYS"], allowed=ALLOWED_TEXT,
        max_mb=MAX_BYTES // (1024 * 1024), format_amount=format_amount,
        sla_components=current_app.config["SLA_COMPONENTS"],
        min_credit=f'{current_app.config["SLA_MIN_CREDIT"]} in your plan\'s currency',
    )
