"""Support staff and DSAR exports: the filtered list, resend, invalidate, export on behalf.

Every function audits with the staff member as actor and the export's owner as target user.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from app.extensions import db
from app.models import DsarExport, User
from app.models.dsar import DSAR_STATUSES
from app.models.types import utcnow
from app.services import audit, dsar, users
from app.services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from app.services.listing import ListFilters, parse_list_filters

log = logging.getLogger(__name__)

DELIVERED = ("ready", "expired", "invalidated")


Filters = ListFilters  # the grid's date filters build these directly


def parse_filters(args) -> ListFilters:
    return parse_list_filters(args, DSAR_STATUSES)


def filtered(stmt, filters: ListFilters):
    """Apply the filters to a select over DsarExport (dates on requested_at)."""
    return filters.where(stmt, DsarExport.user_id, DsarExport.status, DsarExport.requested_at)


def is_overdue(export: DsarExport, now: datetime | None = None) -> bool:
    """Not delivered within the GDPR deadline (30 days after the request)."""
    if export.due_at is None:
        return False
    delivered = export.completed_at if export.status in DELIVERED else None
    return (delivered or now or utcnow()) > export.due_at


def admin_json(export: DsarExport, email: str, now: datetime) -> dict:
    row = dsar.export_json(export)
    row.update(user_id=export.user_id, user_email=email, due_at=dsar._iso(export.due_at),
               overdue=is_overdue(export, now), link_state=dsar.link_state(export),
               emailed_at=dsar._iso(export.emailed_at), attempts=export.attempts, error=export.error,
               requested_by_id=export.requested_by_id, reason=export.reason)
    return row


def list_exports(filters: Filters, actor_id: int) -> tuple[list[dict], int]:
    """One page, newest first, and the total; audited as dsar.admin_list."""
    total = db.session.scalar(filtered(select(func.count()).select_from(DsarExport), filters))
    stmt = (filtered(select(DsarExport, User.email).join(User, User.id == DsarExport.user_id), filters)
            .options(lazyload(DsarExport.user))
            .order_by(DsarExport.requested_at.desc(), DsarExport.id.desc())
            .limit(filters.per_page).offset((filters.page - 1) * filters.per_page))
    now = utcnow()
    rows = [admin_json(export, email, now) for export, email in db.session.execute(stmt)]
    audit.record("dsar.admin_list", actor_id=actor_id, target_user_id=_target_user(filters),
                 target_type="dsar_export", details={"filters": filters.as_dict(), "total": total})
    db.session.commit()
    return rows, total


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
    if not dsar.is_downloadable(export):
        db.session.rollback()
        raise Conflict(f"Export {export_id} is {export.status}; only a ready export with a working link "
                       "can be emailed again.", code="not_ready")
    audit.record("dsar.resent", actor_id=actor_id, target_user_id=export.user_id, target_type="dsar_export",
                 target_id=export.id, details={"expires_at": dsar._iso(export.expires_at)})
    db.session.commit()
    dsar.enqueue_email(export.id, resend=True)
    return export


def invalidate(export_id: int, actor_id: int, reason: str | None = None) -> DsarExport:
    """Kill the link at once and delete the archive; 409 if the link is already dead."""
    export = _locked(export_id)
    if export.status in ("invalidated", "expired"):
        db.session.rollback()
        raise Conflict(f"Export {export_id} is already {export.status}.", code="already_" + export.status)
    previous = export.status
    export.status = "invalidated"
    export.download_url = None
    audit.record("dsar.invalidated", actor_id=actor_id, target_user_id=export.user_id, target_type="dsar_export",
                 target_id=export.id, details={"previous_status": previous, "reason": reason})
    db.session.commit()  # the link answers 410 from here on, whatever storage does next
    if export.storage_key and not dsar.delete_archive(export.storage_key):
        raise ServiceError("The link is withdrawn, but deleting the archive failed; it is logged. Try again "
                           "later to delete it.", code="storage_error", status=502)
    return export


def export_on_behalf(email: str, reason: str, actor_id: int) -> DsarExport:
    """Start an export for a user (bypassing the 30-day throttle) with a required, audited reason."""
    reason = (reason or "").strip()
    errors = {}
    if len(reason) < 5:
        errors["reason"] = "Say why you are exporting on the user's behalf (at least 5 characters)."
    elif len(reason) > 2000:
        errors["reason"] = "Keep the reason under 2,000 characters."
    if not (email or "").strip():
        errors["email"] = "Enter the user's email."
    if errors:
        raise ValidationFailed("The export was not started.", fields=errors)
    user = users.find_by_email(email)
    if user is None:
        raise NotFound(f"No user with email {email.strip()}.", fields={"email": "unknown"})
    return dsar.request_export(user.id, actor_id=actor_id, reason=reason, bypass_throttle=True)


def record_grid_view(actor_id: int, filters: list[dict], page: str, sort: str | None) -> None:
    """Audit a view of the staff grid (its filters name whose data was looked at)."""
    emails = [f["value"] for f in filters if f["filter"].startswith("Email")]
    target = users.find_by_email(emails[0]) if emails else None
    audit.record("dsar.admin_view", actor_id=actor_id, target_user_id=target.id if target else None,
                 target_type="dsar_export", details={"filters": filters, "page": page, "sort": sort})
    db.session.commit()
