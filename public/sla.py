"""/sla-credits: what the SLA promises, the claim form and the user's own claims.

The form works without JavaScript: it posts here (file a claim, or "Check our measurement" for the preview),
times without a zone are UTC. With JavaScript (static/sla_credits.js) it posts to the API and shows the
preview live, in the visitor's zone."""
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app.auth import login_required
from app.common import inputs
from app.common.errors import ServiceError
from app.common.money import format_amount
from app.sla import claims as sla_claims
from app.sla import facts, serializers
from app.sla import preview as sla_preview
from app.sla.attachments import ALLOWED_TEXT, MAX_BYTES
from public import bp

FORM_FIELDS = ("subscription_id", "period_start", "period_end", "claimed_downtime_minutes", "description")


def _page(values: dict | None = None, errors: dict | None = None, preview: dict | None = None, status: int = 200):
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
        min_credit=gettext("%(amount)s in your plan's currency", amount=current_app.config["SLA_MIN_CREDIT"]),
        values=values or {}, errors=errors or {}, preview=preview,
    ), status


@bp.get("/sla-credits")
def sla_credits():
    return _page()


@bp.post("/sla-credits")
@login_required
def sla_credits_form():
    """The form without JavaScript (CSRF checked globally): the same service calls as the API."""
    values = {k: request.form.get(k, "")[:inputs.MAX_FIELD_CHARS] for k in FORM_FIELDS}
    try:
        if request.form.get("action") == "preview":
            return _page(values, preview=sla_preview.preview(current_user, values))
        claim = sla_claims.file_claim(current_user, values, request.files.get("attachment"))
    except ServiceError as exc:
        errors = {name: str(text) for name, text in (exc.fields or {}).items()}  # lazy messages, worded now
        if not errors:  # 404 (not your subscription) and 409 (overlap, deadline) name no field
            errors["subscription_id" if exc.status == 404 else "period_start"] = str(exc.message)
        return _page(values, errors=errors, status=exc.status)
    flash(gettext("Claim filed. Your ticket id is %(ticket)s. We'll email you when support decides.",
                  ticket=claim.ticket_id), "info")
    return redirect(url_for("public.sla_credits") + "#claims-h")
