"""/admin/dsar: the support console for data exports (read-only grid, resend, invalidate, on behalf).

Every view of the grid (with its filters) and every action is audited by app/services/dsar_admin.
"""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import EmailField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from admin_views.base import RowActionsMixin, SecureModelView
from admin_views.filters import UserEmailFilter
from app.common.errors import ServiceError
from app.dsar import erasure_staff, staff
from app.extensions import db
from app.models import DsarExport, ErasureRequest
from app.models.dsar import ExportStatus
from app.models.erasure import ErasureStatus


class RequestedDateFilter(BaseSQLAFilter):
    """Inclusive calendar date (UTC) on requested_at: "from" keeps that whole day, and so does "to"."""

    def __init__(self, column, name, upper: bool):
        super().__init__(column, name, data_type="datepicker")
        self.upper = upper

    def validate(self, value):
        try:
            date.fromisoformat(value.strip())
            return True
        except ValueError:
            return False

    def apply(self, query, value, alias=None):
        day = date.fromisoformat(value.strip())
        bounds = staff.Filters(date_to=day) if self.upper else staff.Filters(date_from=day)
        return staff.filtered(query, bounds)

    def operation(self):
        return "on or before" if self.upper else "on or after"


class OnBehalfForm(FlaskForm):
    email = EmailField("User's email", validators=[DataRequired(), Length(max=320)])
    reason = TextAreaField("Reason (required, kept in the audit log)",
                           validators=[DataRequired(), Length(min=5, max=2000)])


class ExtendForm(FlaskForm):
    months = SelectField("Extend by", choices=[SelectChoice("2", "2 months"), SelectChoice("1", "1 month")],
                         default="2")
    reason = TextAreaField("Reason (required; the user is emailed it)",
                           validators=[DataRequired(), Length(min=5, max=2000)])


def _due(view, context, model, name):
    if model.due_at is None:
        return ""
    html = Markup("{}").format(model.due_at.strftime("%Y-%m-%d"))
    if model.extended_at is not None:
        html += Markup(' <span class="badge badge-info extended" title="{}">extended</span>').format(
            model.extension_reason or "")
    if model.is_overdue():
        html += Markup(' <span class="badge badge-danger overdue">overdue</span>')
    return html


def _link(view, context, model, name):
    state = model.link_state()
    labels = {"active": "success", "expired": "secondary", "invalidated": "dark", "none": "light"}
    until = f" until {model.expires_at:%Y-%m-%d}" if state == "active" else ""
    return Markup('<span class="badge badge-{} link-state">{}</span>{}').format(labels[state], state, until)


def _when(view, context, model, name):
    value = getattr(model, name)
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else ""


def _status(view, context, model, name):
    return Markup('<span class="status status-{0}">{0}</span>').format(str(model.status))


class DsarExportView(RowActionsMixin, SecureModelView):
    """Read-only: exports are made by the job, never edited by hand."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    list_template = "admin/dsar_list.html"
    column_list = ("id", "user", "status", "requested_at", "completed_at", "due_at", "link", "emailed_at")
    column_details_list = ("id", "user", "status", "requested_at", "started_at", "completed_at", "due_at",
                           "expires_at", "link", "emailed_at", "downloaded_at", "attempts", "size_bytes", "error",
                           "requested_by_id", "reason", "extended_at", "extension_reason",
                           "failure_emailed_at", "extension_emailed_at")
    column_labels = {"user": "User email", "requested_at": "Requested", "completed_at": "Completed", "due_at": "Due",
                     "link": "Link", "emailed_at": "Emailed", "requested_by_id": "Requested by (id)",
                     "failure_emailed_at": "Failure emailed", "extension_emailed_at": "Extension emailed"}
    column_sortable_list = ("id", "status", "requested_at", "completed_at", "due_at")
    column_default_sort = [("requested_at", True), ("id", True)]
    column_formatters = {"due_at": _due, "link": _link, "status": _status, "requested_at": _when,
                         "completed_at": _when, "emailed_at": _when, "started_at": _when, "expires_at": _when,
                         "downloaded_at": _when, "extended_at": _when,
                         "failure_emailed_at": _when, "extension_emailed_at": _when}
    column_formatters_detail = column_formatters
    column_filters = (
        RequestedDateFilter(DsarExport.requested_at, "Requested", upper=False),
        RequestedDateFilter(DsarExport.requested_at, "Requested", upper=True),
        FilterEqual(DsarExport.status, "Status", options=[(s.value, s.value) for s in ExportStatus]),
        UserEmailFilter(DsarExport.user_id, "Email"),
    )
    named_filter_urls = True  # ?flt0_email_is=… rather than ?flt0_3=…
    page_size = 50

    def render(self, template, **kwargs):
        kwargs.setdefault("row_csrf_token", generate_csrf())  # once per page, not twice per row
        if template == self.list_template:
            kwargs.setdefault("recent_failures", staff.recent_failures())
        return super().render(template, **kwargs)

    @expose("/")
    def index_view(self):
        self._audit_view()
        return super().index_view()

    def _audit_view(self) -> None:
        applied = [{"filter": f"{self._filters[idx].name} {self._filters[idx].operation()}", "value": value}
                   for idx, _name, value in (self._get_list_filter_args() or [])]
        staff.record_grid_view(current_user.id, applied, page=request.args.get("page", "0"),
                                    sort=request.args.get("sort"))

    @expose("/<int:export_id>/resend", methods=["POST"])
    def resend_view(self, export_id: int):
        return self._row_action(lambda: staff.resend(export_id, current_user.id),
                                lambda export: f"Export {export.id}: the download link was emailed again to "
                                               f"{export.user.email}.")

    @expose("/<int:export_id>/invalidate", methods=["POST"])
    def invalidate_view(self, export_id: int):
        return self._row_action(lambda: staff.invalidate(export_id, current_user.id),
                                lambda _: f"Export {export_id}: the link no longer works and the archive was deleted.")

    @expose("/<int:export_id>/extend", methods=["GET", "POST"])
    def extend_view(self, export_id: int):
        export = db.get_or_404(DsarExport, export_id)
        form = ExtendForm()
        if form.validate_on_submit():
            try:
                export = staff.extend_deadline(export_id, current_user.id, form.reason.data,
                                                    int(form.months.data))
            except ServiceError as exc:
                flash(exc.message, "error")
            else:
                flash(f"Export {export_id}: the deadline is now {export.due_at:%Y-%m-%d}; "
                      f"{export.user.email} was emailed.", "success")
                return self._back()
        return self.render("admin/dsar_extend.html", form=form, export=export)

    @action("resend", "Resend email", "Email the download link again to the owners of the selected exports?")
    def action_resend(self, ids):
        self._bulk(ids, staff.resend, "emailed again")

    @action("invalidate", "Invalidate link",
            "Withdraw the download links of the selected exports and delete their archives?")
    def action_invalidate(self, ids):
        self._bulk(ids, staff.invalidate, "invalidated")

    def _bulk(self, ids, operation, verb: str) -> None:
        done, refused = [], []
        for export_id in sorted(int(i) for i in ids):
            try:
                operation(export_id, current_user.id)
                done.append(export_id)
            except ServiceError as exc:
                refused.append(f"{export_id} ({exc.message})")
        if done:
            flash(f"{len(done)} export(s) {verb}: {', '.join(map(str, done))}.", "success")
        if refused:
            flash(f"Skipped {len(refused)}: " + "; ".join(refused), "error")

    @expose("/on-behalf", methods=["GET", "POST"])
    def on_behalf_view(self):
        form = OnBehalfForm(email=request.args.get("email", ""))
        if form.validate_on_submit():
            try:
                export = staff.export_on_behalf(form.email.data, form.reason.data, current_user.id)
            except ServiceError as exc:
                flash(exc.message, "error")
            else:
                flash(f"Export {export.id} started for {form.email.data.strip().lower()} "
                      "(the 30-day limit does not apply to staff).", "success")
                return redirect(url_for(".index_view"))
        return self.render("admin/dsar_on_behalf.html", form=form)


class HoldForm(FlaskForm):
    reason = TextAreaField("Reason (required; the person sees it on their data page and by email)",
                           validators=[DataRequired(), Length(min=5, max=erasure_staff.MAX_REASON)])


def _erasure_status(view, context, model, name):
    html = _status(view, context, model, name)
    if model.status == ErasureStatus.RUNNING and model.error:  # retrying: storage down, a worker died
        html += Markup(' <span class="badge badge-danger stuck" title="{0}">stuck</span> '
                       '<span class="text-muted small erasure-error">{0}</span>').format(model.error)
    return html


class ErasureView(RowActionsMixin, SecureModelView):
    """The erasure queue, soonest first: hold (with a reason the person is told) and release."""

    can_create = False
    can_edit = False
    can_delete = False
    list_template = "admin/dsar_erasure_list.html"
    column_list = ("id", "user", "status", "requested_at", "scheduled_for", "hold_reason", "attempts",
                   "completed_at")
    column_labels = {"user": "User", "requested_at": "Requested", "scheduled_for": "Erased on",
                     "hold_reason": "Hold reason", "completed_at": "Completed"}
    column_formatters = {"status": _erasure_status, "requested_at": _when, "scheduled_for": _when,
                         "completed_at": _when}
    column_default_sort = [("scheduled_for", False), ("id", False)]
    column_filters = (FilterEqual(ErasureRequest.status, "Status", options=[(s.value, s.value) for s in ErasureStatus]),
                      UserEmailFilter(ErasureRequest.user_id, "Email"))
    named_filter_urls = True
    page_size = 50

    @expose("/")
    def index_view(self):
        erasure_staff.record_grid_view(current_user.id, page=request.args.get("page", "0"))
        return super().index_view()

    @expose("/<int:erasure_id>/hold", methods=["GET", "POST"])
    def hold_view(self, erasure_id: int):
        row = db.get_or_404(ErasureRequest, erasure_id)
        form = HoldForm()
        if form.validate_on_submit():
            try:
                erasure_staff.hold(erasure_id, current_user.id, form.reason.data)
            except ServiceError as exc:
                flash(exc.message, "error")
            else:
                flash(f"Erasure {erasure_id} is on hold; the person was emailed the reason.", "success")
                return self._back()
        return self.render("admin/dsar_erasure_hold.html", form=form, erasure=row)

    @expose("/<int:erasure_id>/release", methods=["POST"])
    def release_view(self, erasure_id: int):
        return self._row_action(lambda: erasure_staff.release(erasure_id, current_user.id),
                                lambda row: f"Erasure {erasure_id} released: it runs on {row.scheduled_for:%Y-%m-%d}.")


def add_dsar_view(admin) -> None:
    admin.add_view(DsarExportView(DsarExport, db, name="Data exports", endpoint="dsar", url="/admin/dsar"))
    admin.add_view(ErasureView(ErasureRequest, db, name="Erasures", endpoint="dsar_erasures",
                               url="/admin/dsar_erasures"))
