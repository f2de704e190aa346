"""/admin/sla-credits: the claims queue, each claim with what our monitoring measured, and the decision form."""
from flask import flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from admin_views.base import SecureModelView
from admin_views.filters import UserEmailFilter
from app.models import SlaCreditRequest
from app.models.sla import SLA_STATUSES, ClaimStatus
from app.services import billing, money, sla, sla_decide, sla_fee
from app.services.errors import ServiceError


class DecisionForm(FlaskForm):
    status = RadioField("Decision", choices=[(ClaimStatus.APPROVED.value, "Approve with a credit"),
                                                 (ClaimStatus.REJECTED.value, "Reject")],
                        validators=[InputRequired()])
    credit_amount = IntegerField("Credit (minor units, e.g. cents)", validators=[Optional()])
    notes = TextAreaField("Notes to the user (required to reject)", validators=[Length(max=5000)])
    stripe_ref = StringField("Stripe reference (coupon or credit note made by hand)",
                             validators=[Optional(), Length(max=255)])
    create_credit_note = BooleanField("Create a Stripe credit note on the period's invoice now")


def _ticket(view, context, model, name):
    url = url_for("sla_credits.claim", claim_id=model.id)
    return Markup('<a href="{}">{}</a>').format(url, model.ticket_id)


def _measured(view, context, model, name):
    if model.measured_down_minutes is None:
        return "—"
    uptime = "n/a (no data)" if model.measured_uptime_pct is None else f"{model.measured_uptime_pct:.3f}%"
    return (f"claimed {model.claimed_downtime_minutes} min · measured down {model.measured_down_minutes} min, "
            f"degraded {model.measured_degraded_minutes} min · uptime {uptime}")


def _utc(view, context, model, name):
    value = getattr(model, name)
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _money(field):
    def fmt(view, context, model, name):
        return money.format_amount(getattr(model, field), model.currency) or "—"
    return fmt


class SlaCreditView(SecureModelView):
    """Read-only grid; decisions go through the claim page so they are validated, audited and emailed."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    list_template = "admin/model/list.html"
    column_list = ("ticket", "user.email", "plan", "period_start", "period_end", "measured", "suggested",
                   "status", "credit", "created_at")
    column_labels = {"user.email": "Email", "measured": "Claimed vs measured", "suggested": "Suggested credit",
                     "credit": "Credit", "created_at": "Filed"}
    column_formatters = {"ticket": _ticket, "measured": _measured, "suggested": _money("suggested_credit_amount"),
                         "credit": _money("credit_amount"), "period_start": _utc, "period_end": _utc,
                         "created_at": _utc}
    column_sortable_list = ("period_start", "period_end", "status", "created_at", "plan")
    column_default_sort = ("created_at", True)
    column_filters = (
        FilterEqual(SlaCreditRequest.status, "Status", options=[(s, s) for s in SLA_STATUSES]),
        FilterEqual(SlaCreditRequest.plan, "Plan"),
        SlaCreditRequest.created_at,
        UserEmailFilter(SlaCreditRequest.user_id, "Email"),
    )

    @expose("/claim/<int:claim_id>", methods=("GET", "POST"))
    def claim(self, claim_id: int):
        claim = sla.get_claim(claim_id)
        form = DecisionForm()
        if claim.is_pending() and request.method == "GET":
            form.credit_amount.data = claim.suggested_credit_amount or None
        if request.method == "POST" and form.validate_on_submit():
            data = {"status": form.status.data, "credit_amount": form.credit_amount.data, "notes": form.notes.data,
                    "stripe_ref": form.stripe_ref.data, "create_credit_note": form.create_credit_note.data}
            try:
                sla_decide.decide_claim(claim_id, current_user, data)
            except ServiceError as exc:
                flash(exc.message, "error")
                for field, message in (exc.fields or {}).items():
                    if hasattr(form, field):
                        getattr(form, field).errors = [*getattr(form, field).errors, message]
                claim = sla.get_claim(claim_id)
                return self.render("admin/sla_claim.html", claim=claim, form=form, **self._extra(claim)), exc.status
            flash(f"{claim.ticket_id} {form.status.data}. The user has been emailed.", "success")
            return redirect(url_for(".claim", claim_id=claim_id))
        return self.render("admin/sla_claim.html", claim=claim, form=form, **self._extra(claim))

    def _extra(self, claim) -> dict:
        from app.extensions import db
        from app.models import User

        fee = sla_fee.claim_fee(claim)
        decider = db.session.get(User, claim.decided_by) if claim.decided_by else None
        return {"fee": fee, "fmt": money.format_amount, "stripe_configured": billing.stripe_configured(),
                "decider": decider.email if decider else None}

    @expose("/claim/<int:claim_id>/remeasure", methods=("POST",))
    def remeasure(self, claim_id: int):
        if not FlaskForm().validate_on_submit():
            flash("Your form expired. Reload and try again.", "error")
        else:
            try:
                claim = sla.remeasure(claim_id, current_user.id)
                flash(f"Measured again: {claim.measured_down_minutes} min down.", "success")
            except ServiceError as exc:
                flash(exc.message, "error")
        return redirect(url_for(".claim", claim_id=claim_id))

    @expose("/claim/<int:claim_id>/attachment")
    def attachment(self, claim_id: int):
        stream, name, content_type = sla.open_attachment(claim_id, current_user.id)
        response = send_file(stream, mimetype=content_type, as_attachment=True, download_name=name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def add_sla_view(admin) -> None:
    from app.extensions import db

    admin.add_view(SlaCreditView(SlaCreditRequest, db, name="SLA credits", endpoint="sla_credits",
                                 url="/admin/sla-credits"))
