"""Support staff and DSAR exports: the filtered list, resend, invalidate, export on behalf.

Every function audits with the staff member as actor and the export's owner as target user.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from app.accounts import users
from app.common import audit
from app.common.errors import Conflict, NotFound, ServiceError, ValidationFailed
from app.common.iso import iso
from app.common.listing import ListFilters, parse_list_filters
from app.dsar import emails as dsar_emails
from app.dsar import export_jobs, exports, serializers
from app.extensions import db
from app.models import DsarExport, User
from app.models.dsar import ExportStatus
from app.models.types import utcnow

log = logging.getLogger(__name__)

MAX_REASON = 2000  # staff reasons (invalidate, export on behalf) go to audit_log: keep them bounded


Filters = ListFilters  # the grid's date filters build these directly


def parse_filters(args) -> ListFilters:
    return parse_list_filters(args, tuple(ExportStatus))


def filtered(stmt, filters: ListFilters):
    """Apply the filters to a select over DsarExport (dates on requested_at)."""
    return filters.where(stmt, DsarExport.user_id, DsarExport.status, DsarExport.requested_at)


def list_exports(filters: Filters, actor_id: int) -> tuple[list[dict], int]:
    """One page, newest first, and the total; audited as dsar.admin_list."""
    total = db.session.scalar(filtered(select(func.count()).select_from(DsarExport), filters))
    stmt = (filtered(select(DsarExport, User.email).join(User, User.id == DsarExport.user_id), filters)
            .options(lazyload(DsarExport.user))
            .order_by(DsarExport.requested_at.desc(), DsarExport.id.desc())
            .limit(filters.per_page).offset((filters.page - 1) * filters.per_page))
    now = utcnow()
    rows = [serializers.admin_view(export, email, now) for export, email in db.session.execute(stmt)]
    audit.record("dsar.admin_list", actor_id=actor_id, target_user_id=_target_user(filters),
                 target_type="dsar_export", details={"filters": filters.as_dict(), "total": total})
    db.session.commit()
    return rows, total


def recent_failures(days: int = 30, limit: int = 20) -> list[tuple[int, str]]:
    """Exports that failed for good in the last `days` days (id, owner email), newest first: the grid's
    default view names them so staff can follow up (the owner was emailed)."""
    since = utcnow() - timedelta(days=days)
    return [tuple(row) for row in db.session.execute(
        select(DsarExport.id, User.email).join(User, User.id == DsarExport.user_id)
        .where(DsarExport.status == ExportStatus.FAILED, DsarExport.requested_at >= since)
        .order_by(DsarExport.requested_at.desc()).limit(limit))]


def _target_user(filters: Filters) -> int | None:
    if not filters.email:
        return None
    return db.session.scalar(select(User.id).where(func.lower(User.email) == filters.email))


def _locked(export_id: int) -> DsarExport:
    export = db.session.execute(
        select(DsarExport).where(DsarExport.id == export_id).options(lazyload(DsarExport.user))
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if export is None:
        raise NotFound("No such export.")
    return export


def resend(export_id: int, actor_id: int) -> DsarExport:
    """Email the owner the (still valid) link again; 409 unless the export is ready and its link works."""
    export = _locked(export_id)
    if not export.can_be_resent:
        db.session.rollback()
        raise Conflict(f"Export {export_id} is {export.status}; only a ready export with a working link "
                       "can be emailed again.", code="not_ready")
    audit.record("dsar.resent", on=export, actor_id=actor_id, details={"expires_at": iso(export.expires_at)})
    db.session.commit()
    export_jobs.enqueue_email(export.id, resend=True)
    return export


def invalidate(export_id: int, actor_id: int, reason: str | None = None) -> DsarExport:
    """Kill the link at once and delete the archive; 409 if the link is already dead."""
    export = _locked(export_id)
    if not export.can_be_invalidated:
        db.session.rollback()
        raise Conflict(f"Export {export_id} is already {export.status}.", code=f"already_{export.status}")
    previous = export.invalidate()
    audit.record("dsar.invalidated", on=export, actor_id=actor_id,
                 details={"previous_status": str(previous), "reason": reason})
    db.session.commit()  # the link answers 410 from here on, whatever storage does next
    if export.storage_key and not export_jobs.delete_archive(export.storage_key):
        raise ServiceError("The link is withdrawn, but deleting the archive failed; it is logged. Try again "
                           "later to delete it.", code="storage_error", status=502)
    return export


def export_on_behalf(email: str, reason: str, actor_id: int) -> DsarExport:
    """Start an export for a user (bypassing the 30-day throttle) with a required, audited reason."""
    reason = (reason or "").strip()
    errors = {}
    if len(reason) < 5:
        errors["reason"] = "Say why you are exporting on the user's behalf (at least 5 characters)."
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason under {MAX_REASON:,} characters."
    if not (email or "").strip():
        errors["email"] = "Enter the user's email."
    if errors:
        raise ValidationFailed("The export was not started.", fields=errors)
    user = users.find_by_email(email)
    if user is None:
        raise NotFound(f"No user with email {email.strip()}.", fields={"email": "unknown"})
    return exports.request_export(user.id, actor_id=actor_id, reason=reason, bypass_throttle=True)


def extend_deadline(export_id: int, actor_id: int, reason: str, months=2) -> DsarExport:
    """Art. 12(3): move due_at by up to two months, once, before it passes; the reason is kept on the
    export and in the audit log, and the owner is emailed the new date and the reason."""
    reason = reason.strip() if isinstance(reason, str) else ""
    errors = {}
    if not 5 <= len(reason) <= 2000:
        errors["reason"] = "Say why the request needs more time (5 to 2,000 characters); the user is told."
    if type(months) is not int or months not in (1, 2):  # not bool, not 2.0
        errors["months"] = "Extend by 1 or 2 months."
    if errors:
        raise ValidationFailed("The deadline was not extended.", fields=errors)
    export = _locked(export_id)
    now = utcnow()
    refused = export.extension_refused(now)
    if refused:
        db.session.rollback()
        raise Conflict(_EXTENSION_REFUSED[refused].format(id=export_id, status=export.status), code=refused)
    previous = export.extend_deadline(now, months, reason, actor_id)
    audit.record("dsar.extended", on=export, actor_id=actor_id, details={
        "reason": reason, "months": months, "previous_due_at": iso(previous), "due_at": iso(export.due_at)})
    db.session.commit()
    dsar_emails.enqueue(dsar_emails.EXTENDED_JOB, export.id)
    return export


_EXTENSION_REFUSED = {
    "already_extended": "The deadline of export {id} was already extended; the GDPR allows one extension.",
    "already_delivered": "Export {id} is {status}: it was delivered, so there is no deadline to extend.",
    "deadline_passed": "The deadline of export {id} has passed; an extension must be announced before it.",
}


def record_grid_view(actor_id: int, filters: list[dict], page: str, sort: str | None) -> None:
    """Audit a view of the staff grid (its filters name whose data was looked at)."""
    emails = [f["value"] for f in filters if f["filter"].startswith("Email")]
    target = users.find_by_email(emails[0]) if emails else None
    audit.record("dsar.admin_view", actor_id=actor_id, target_user_id=target.id if target else None,
                 target_type="dsar_export", details={"filters": filters, "page": page, "sort": sort})
    db.session.commit()
