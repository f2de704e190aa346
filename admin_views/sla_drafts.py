"""The proactive drafts at the top of /admin/sla-credits (issue 22): their total per currency, approved all at
once or a selection, in one confirmation; and how many approved credits are still waiting for Stripe."""
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.common import money
from app.common.errors import ServiceError
from app.extensions import db
from app.models import SlaCreditRequest
from app.sla import batch, proactive

SHOWN = 200  # rows listed; "approve all" takes every draft (up to batch.MAX_IDS per click)


def pending_drafts(limit: int) -> list[SlaCreditRequest]:
    return list(db.session.scalars(
        select(SlaCreditRequest)
        .where(SlaCreditRequest.source == proactive.SOURCE, SlaCreditRequest.status == "pending")
        .order_by(SlaCreditRequest.id).limit(limit)).unique())


class ProactiveDraftsMixin:
    """For SlaCreditView (admin_views/sla.py)."""

    @expose("/")
    def index_view(self):
        self._template_args.update(
            drafts=pending_drafts(SHOWN), drafts_summary=proactive.drafts_summary(),
            credits_waiting=batch.waiting_counts(), fmt=money.format_amount, drafts_form=FlaskForm())
        return super().index_view()

    @expose("/proactive/approve", methods=("POST",))
    def approve_drafts(self):
        if not FlaskForm().validate_on_submit():
            flash("Your form expired. Reload and try again.", "error")
            return redirect(url_for(".index_view"))
        if request.form.get("scope") == "all":
            ids = [c.id for c in pending_drafts(batch.MAX_IDS)]
        else:
            ids = request.form.getlist("ids")
        if not ids:
            flash("Select the drafts to approve (or approve them all).", "error")
            return redirect(url_for(".index_view"))
        try:
            result = batch.approve(batch.parse({"ids": ids, "status": "approved"}), current_user.id)
        except ServiceError as exc:
            flash(" ".join(map(str, [exc.message, *(exc.fields or {}).values()])), "error")
            return redirect(url_for(".index_view"))
        skipped = f" {len(result['skipped'])} skipped (already decided or not creditable)." if result["skipped"] else ""
        flash(f"{result['approved']} draft(s) approved with their suggested credits; the credits are being made in "
              f"Stripe and each customer is emailed once theirs is issued.{skipped}", "success")
        return redirect(url_for(".index_view"))

    @expose("/proactive/retry", methods=("POST",))
    def retry_waiting(self):
        if not FlaskForm().validate_on_submit():
            flash("Your form expired. Reload and try again.", "error")
        else:
            flash(f"{batch.sweep(force=True)} waiting credit(s) queued again.", "success")
        return redirect(url_for(".index_view"))
