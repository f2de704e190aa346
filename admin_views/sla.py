"""/admin/sla-credits: the claims queue, each claim with what our monitoring measured, and the decision form."""
from flask import flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import case, select
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from admin_views.base import SecureModelView
from admin_views.filters import UserEmailFilter
from admin_views.sla_drafts import ProactiveDraftsMixin
from app.common import billing, money
from app.common.errors import ServiceError
from app.extensions import db
from app.models import SlaCreditRequest, SlaDispute
from app.models.sla import SLA_STATUSES, ClaimStatus
from app.models.sla_thread import DisputeStatus, MessageSide
from app.models.types import utcnow
from app.sla import checks_csv, claims, disputes, recorded, staff, thread

METHOD_CHOICES = [SelectChoice("balance", "Stripe balance credit, taken off the next invoice"),
                  SelectChoice("credit_note", "Stripe credit note on the billing period's invoice"),
                  SelectChoice("manual", "Made by hand in Stripe: record its reference")]


class DecisionForm(FlaskForm):
    status = RadioField("Decision", validators=[InputRequired()],
                        choices=[SelectChoice(ClaimStatus.APPROVED.value, "Approve with a credit"),
                                 SelectChoice(ClaimStatus.REJECTED.value, "Reject")])
    credit_amount = StringField("Credit (in the subscription's currency, e.g. 4.90; JPY whole yen)",
                                validators=[Optional(), Length(max=20)])
    notes = TextAreaField("Notes to the user (required to reject)", validators=[Length(max=5000)])
    stripe_ref = StringField("Stripe reference (coupon or credit note made by hand)",
                             validators=[Optional(), Length(max=255)])
    credit_method = SelectField("How the credit is made", choices=METHOD_CHOICES, default="balance")


class DisputeDecisionForm(FlaskForm):
    outcome = RadioField("Outcome", validators=[InputRequired()],
                         choices=[SelectChoice("upheld", "Uphold the first decision"),
                                  SelectChoice("revised", "Revise: raise the claim's credit")])
    credit_amount = StringField("New total credit of the claim (in the subscription's currency, e.g. 9.80)",
                                validators=[Optional(), Length(max=20)])
    notes = TextAreaField("Why (the customer reads this)", validators=[Length(max=5000)])
    credit_method = SelectField("How the difference is credited", choices=METHOD_CHOICES, default="balance")


class MessageForm(FlaskForm):
    body = TextAreaField("Message to the customer", validators=[InputRequired(), Length(max=5000)])


class RetryForm(FlaskForm):
    credit_method = SelectField("How the credit is made", choices=METHOD_CHOICES)
    credit_amount = StringField("Corrected credit (optional, major units)", validators=[Optional(), Length(max=20)])
    stripe_ref = StringField("Reference of the credit made by hand (manual)", validators=[Optional(), Length(max=255)])


def _ticket(view, context, model, name):
    url = url_for("sla_credits.claim", claim_id=model.id)
    return Markup('<a href="{}">{}</a>').format(url, model.ticket_id)


def _measured(view, context, model, name):
    if model.measured_downtime_minutes is None:
        return "—"
    return (f"claimed {model.claimed_downtime_minutes} min · measured down {model.measured_downtime_minutes} min "
            "in the billing period")


def _uptime(view, context, model, name):
    if model.monthly_uptime_percent is None:
        return "n/a (no data)" if model.measured_downtime_minutes is not None else "—"
    flag = "" if (model.computation or {}).get("trusted", True) else " ⚠ untrusted (no data)"
    return f"{model.monthly_uptime_percent:.3f}%{flag}"


def _billing_period(view, context, model, name):
    if model.billing_period_start is None:
        return "—"
    return f"{model.billing_period_start:%Y-%m-%d} – {model.billing_period_end:%Y-%m-%d}"


def _credit_state(view, context, model, name):
    if not model.credit_state:
        return "—"
    return f"{model.credit_state} ({model.credit_method})" if model.credit_method else model.credit_state


def _major(amount: int, currency: str | None) -> str:
    """Minor units as the number staff type: "4.90" for USD, "4900" for JPY."""
    places = money.digits(currency)
    return str(amount) if places == 0 else f"{amount / 10**places:.{places}f}"


DIFFERENCE = "difference credit"  # what a revised dispute credits


def _credit_outcome(row, what: str = "credit") -> str:
    """A claim's credit, or a dispute's difference credit (the same three columns), in one vocabulary. A pending
    credit's reason is said once, on the page beside its retry button, not again in the message above it."""
    if not row.credit_state:
        return ""
    if row.credit_state == "issued":
        return f": {what} issued ({row.stripe_ref})"
    return f": {what} pending, not issued yet (why, and a retry, below)"


def _dispute(view, context, model, name):
    return model.dispute.status if model.dispute else "—"


def _age(view, context, model, name):
    """Days since filing; a pending claim past SLA_DECISION_DAYS is flagged, like a DSAR past its due date."""
    days = (utcnow() - model.created_at).days
    if claims.is_overdue(model):
        return Markup('{} d <strong class="text-danger">overdue</strong> (due {:%Y-%m-%d})').format(
            days, claims.decision_due(model))
    return f"{days} d"


def _utc(view, context, model, name):
    value = getattr(model, name)
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _money(field):
    def fmt(view, context, model, name):
        return money.format_amount(getattr(model, field), model.currency) or "—"
    return fmt


def _open_disputes():
    return select(SlaDispute.claim_id).where(SlaDispute.status == DisputeStatus.OPEN.value)


class DisputeFilter(BaseSQLAFilter):
    """Claims by their dispute's state ("none": never disputed); `?status=disputed` is this filter on "open"."""

    def apply(self, query, value, alias=None):
        if value == "none":
            return query.filter(SlaCreditRequest.id.not_in(select(SlaDispute.claim_id)))
        return query.filter(SlaCreditRequest.id.in_(select(SlaDispute.claim_id).where(SlaDispute.status == value)))

    def operation(self):
        return "is"


class SlaCreditView(ProactiveDraftsMixin, SecureModelView):
    """Read-only grid; decisions go through the claim page so they are validated, audited and emailed.
    Proactive drafts (issue 22) are listed above it and approved in one go (admin_views/sla_drafts.py)."""
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    list_template = "admin/sla_list.html"
    column_list = ("ticket", "user.email", "plan", "period_start", "period_end", "billing_period", "measured",
                   "monthly_uptime_percent", "suggested", "status", "dispute", "credit", "credit_state", "created_at",
                   "age")
    column_labels = {"user.email": "Email", "period_start": "Window from", "period_end": "Window to",
                     "billing_period": "Billing period", "measured": "Claimed vs measured",
                     "monthly_uptime_percent": "Monthly uptime", "suggested": "Suggested credit",
                     "credit": "Credit", "credit_state": "Credit state", "created_at": "Filed", "age": "Age"}
    column_formatters = {"ticket": _ticket, "measured": _measured, "suggested": _money("suggested_credit_amount"),
                         "credit": _money("credit_amount"), "period_start": _utc, "period_end": _utc,
                         "created_at": _utc, "billing_period": _billing_period, "monthly_uptime_percent": _uptime,
                         "credit_state": _credit_state, "dispute": _dispute, "age": _age}
    column_sortable_list = ("period_start", "period_end", "status", "created_at", "plan")
    column_default_sort = ("created_at", True)
    column_filters = (
        FilterEqual(SlaCreditRequest.status, "Status", options=[(s, s) for s in SLA_STATUSES]),
        SlaCreditRequest.created_at,
        UserEmailFilter(SlaCreditRequest.user_id, "Email"),
        DisputeFilter(SlaCreditRequest.id, "Dispute",
                      options=[*((d.value, d.value) for d in DisputeStatus), ("none", "not disputed")]),
    )

    def __init__(self, *args, plans: list[dict], **kwargs):
        # A choice of the known plans (PLANS), not free text; Flask-Admin caches filters when the view is built.
        plan_filter = FilterEqual(SlaCreditRequest.plan, "Plan", options=[(p["code"], p["name"]) for p in plans])
        self.column_filters = (*self.column_filters[:1], plan_filter, *self.column_filters[1:])
        super().__init__(*args, **kwargs)

    @expose("/")
    def index_view(self):
        """`?status=disputed` (the API's word, the dashboard's link) is the grid filtered on open disputes."""
        if request.args.get("status") == claims.DISPUTED:
            index = next(i for i, f in enumerate(self._filters) if isinstance(f, DisputeFilter))
            arg = f"flt0_{self.get_filter_arg(index, self._filters[index])}"
            return redirect(url_for(".index_view", **{arg: DisputeStatus.OPEN.value}))
        return super().index_view()

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """Unless staff sort by a column, claims with an open dispute come first (as in the admin API)."""
        if sort_column is None:
            query = query.order_by(case((SlaCreditRequest.id.in_(_open_disputes()), 0), else_=1))
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    @expose("/claim/<int:claim_id>", methods=("GET", "POST"))
    def claim(self, claim_id: int):
        claim = claims.get_claim(claim_id)
        form = DecisionForm()
        if claim.is_pending() and request.method == "GET":
            # A clear default: approve what our measurement suggests, or reject when it suggests nothing.
            suggested = claim.suggested_credit_amount
            form.status.data = (ClaimStatus.APPROVED if suggested else ClaimStatus.REJECTED).value
            if claim.suggested_credit_amount:
                form.credit_amount.data = _major(claim.suggested_credit_amount, claim.currency)
        if request.method == "POST" and form.validate_on_submit():
            credit = money.to_minor(form.credit_amount.data, claim.currency) if form.credit_amount.data else None
            if form.credit_amount.data and credit is None:
                form.credit_amount.errors = [money.amount_error(claim.currency)]
                return self._page(claim, form, 422)
            data = {"status": form.status.data, "credit_amount": credit, "notes": form.notes.data,
                    "stripe_ref": form.stripe_ref.data, "credit_method": form.credit_method.data}
            try:
                staff.decide_claim(claim_id, current_user, data)
            except recorded.DecisionRecorded:
                raise  # the database is away: the error page says what was saved (the claim page cannot load)
            except ServiceError as exc:
                flash(exc.message, "error")
                for field, message in (exc.fields or {}).items():
                    if hasattr(form, field):
                        getattr(form, field).errors = [*getattr(form, field).errors, message]
                claim = claims.get_claim(claim_id)
                return self._page(claim, form, exc.status)
            claim = claims.get_claim(claim_id)
            flash(f"{claim.ticket_id} {claim.status}{_credit_outcome(claim)}. The email to the user is queued.",
                  "success")
            return redirect(url_for(".claim", claim_id=claim_id))
        status = 422 if request.method == "POST" else 200  # a form with errors is not a success
        return self._page(claim, form, status)

    def _page(self, claim, form, status: int, dispute_form=None):
        """The claim page, from the sla package's claim view (the admin JSON reads the same one)."""
        view = claims.claim_view(claim)
        retry = RetryForm(credit_method=claim.credit_method) if claim.credit_state == "pending" else None
        dispute_form = dispute_form or (DisputeDecisionForm() if claim.dispute and claim.dispute.is_open() else None)
        return self.render("admin/sla_claim.html", claim=view.claim, form=form, period=view.period,
                           events=view.events, decider=view.decider_email, retry_form=retry,
                           credited=view.credited_elsewhere, dispute_form=dispute_form, message_form=MessageForm(),
                           due=claims.decision_due(claim), overdue=claims.is_overdue(claim),
                           fmt=money.format_amount, stripe_configured=billing.stripe_configured()), status

    @expose("/claim/<int:claim_id>/dispute-decision", methods=("POST",))
    def dispute_decision(self, claim_id: int):
        claim = claims.get_claim(claim_id)
        form = DisputeDecisionForm()
        if not form.validate_on_submit():
            return self._page(claim, DecisionForm(), 422, dispute_form=form)
        credit = money.to_minor(form.credit_amount.data, claim.currency) if form.credit_amount.data else None
        if form.credit_amount.data and credit is None:
            form.credit_amount.errors = [money.amount_error(claim.currency)]
            return self._page(claim, DecisionForm(), 422, dispute_form=form)
        try:
            claim = disputes.decide_dispute(claim_id, current_user, {
                "outcome": form.outcome.data, "credit_amount": credit, "notes": form.notes.data,
                "credit_method": form.credit_method.data})
        except recorded.DecisionRecorded:
            raise  # the database is away: the error page says what was saved
        except ServiceError as exc:
            flash(exc.message, "error")
            for field, message in (exc.fields or {}).items():
                if hasattr(form, field):
                    getattr(form, field).errors = [*getattr(form, field).errors, message]
            return self._page(claims.get_claim(claim_id), DecisionForm(), exc.status, dispute_form=form)
        outcome = _credit_outcome(claim.dispute, DIFFERENCE)
        flash(f"Dispute of {claim.ticket_id} {claim.dispute.status}{outcome}. The email to the user is queued.",
              "success")
        return redirect(url_for(".claim", claim_id=claim_id))

    @expose("/claim/<int:claim_id>/dispute-credit/retry", methods=("POST",))
    def retry_dispute_credit(self, claim_id: int):
        if not FlaskForm().validate_on_submit():
            flash("Your form expired. Reload and try again.", "error")
            return redirect(url_for(".claim", claim_id=claim_id))
        try:
            claim = disputes.retry_credit(claim_id, current_user, {})
            issued = claim.dispute.credit_state == "issued"
            flash(f"{claim.ticket_id}{_credit_outcome(claim.dispute, DIFFERENCE)}.", "success" if issued else "error")
        except ServiceError as exc:
            flash(exc.message, "error")
        return redirect(url_for(".claim", claim_id=claim_id))

    @expose("/claim/<int:claim_id>/message", methods=("POST",))
    def message(self, claim_id: int):
        form = MessageForm()
        if not form.validate_on_submit():
            flash("Write a message (at most 5000 characters).", "error")
            return redirect(url_for(".claim", claim_id=claim_id))
        try:
            thread.post(claim_id, current_user, {"body": form.body.data}, MessageSide.SUPPORT)
            flash("Message posted; the email to the customer is queued.", "success")
        except ServiceError as exc:
            flash(" ".join([exc.message, *(exc.fields or {}).values()]), "error")
        return redirect(url_for(".claim", claim_id=claim_id))

    @expose("/claim/<int:claim_id>/retry-credit", methods=("POST",))
    def retry_credit(self, claim_id: int):
        claim = claims.get_claim(claim_id)
        form = RetryForm()
        if not form.validate_on_submit():
            flash("Your form expired or is incomplete. Reload and try again.", "error")
            return redirect(url_for(".claim", claim_id=claim_id))
        credit = money.to_minor(form.credit_amount.data, claim.currency) if form.credit_amount.data else None
        if form.credit_amount.data and credit is None:
            flash(money.amount_error(claim.currency), "error")
            return redirect(url_for(".claim", claim_id=claim_id))
        try:
            claim = staff.retry_credit(claim_id, current_user, {
                "credit_method": form.credit_method.data, "credit_amount": credit, "stripe_ref": form.stripe_ref.data})
            issued = claim.credit_state == "issued"
            flash(f"{claim.ticket_id}{_credit_outcome(claim)}.", "success" if issued else "error")
        except ServiceError as exc:
            flash(" ".join([exc.message, *(exc.fields or {}).values()]), "error")
        return redirect(url_for(".claim", claim_id=claim_id))

    @expose("/claim/<int:claim_id>/remeasure", methods=("POST",))
    def remeasure(self, claim_id: int):
        if not FlaskForm().validate_on_submit():
            flash("Your form expired. Reload and try again.", "error")
        else:
            try:
                claim = claims.remeasure(claim_id, current_user.id)
                flash(f"Measured again: {claim.measured_downtime_minutes} min down.", "success")
            except ServiceError as exc:
                flash(exc.message, "error")
        return redirect(url_for(".claim", claim_id=claim_id))

    @expose("/claim/<int:claim_id>/checks.csv")
    def checks(self, claim_id: int):
        return checks_csv.download(claims.get_claim(claim_id))  # as GET /api/admin/sla-credit/<id>/checks.csv

    @expose("/claim/<int:claim_id>/attachment")
    def attachment(self, claim_id: int):
        stream, name, content_type = claims.open_attachment(claim_id, current_user.id)
        response = send_file(stream, mimetype=content_type, as_attachment=True, download_name=name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def add_sla_view(admin) -> None:
    admin.add_view(SlaCreditView(SlaCreditRequest, db, name="SLA credits", endpoint="sla_credits",
                                 url="/admin/sla-credits", plans=admin.app.config["PLANS"]))
