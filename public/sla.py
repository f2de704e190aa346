"""/sla-credits: what the SLA promises, the claim form and the user's own claims."""
from datetime import timedelta

from flask import current_app, render_template
from flask_login import current_user

from app.common.money import format_amount
from app.sla import claims as sla_claims
from app.sla import facts, serializers
from app.sla.attachments import ALLOWED_TEXT, MAX_BYTES
from public import bp


@bp.get("/sla-credits")
def sla_credits():
    subscriptions, claims = [], []
    if current_user.is_authenticated:
        subscriptions = sla_claims.active_subscriptions(current_user.id)
        claims = [serializers.user(c, facts.customer(c)) for c in sla_claims.claims_for_user(current_user.id)]
    return render_template(
        "sla_credits.html", tiers=current_app.config["SLA_TIERS"], subscriptions=subscriptions, claims=claims,
        filing_days=current_app.config["SLA_FILING_DAYS"], allowed=ALLOWED_TEXT,
        dispute_days=current_app.config["SLA_DISPUTE_DAYS"],
        filing_delta=timedelta(days=current_app.config["SLA_FILING_DAYS"]),
        max_mb=MAX_BYTES // (1024 * 1024), format_amount=format_amount,
        sla_components=current_app.config["SLA_COMPONENTS"],
        min_credit=f'{current_app.config["SLA_MIN_CREDIT"]} in your plan\'s currency',
    )
