"""DSAR exports as the API shows them: the owner's view and the staff view (SPEC's list shapes)."""
from __future__ import annotations

from datetime import datetime

from app.common.iso import iso
from app.models.dsar import DsarExport
from app.models.types import utcnow


def user_view(export: DsarExport, now: datetime | None = None) -> dict:
    """What the owner sees; the link only while it works."""
    now = now or utcnow()
    # Waiting for an automatic retry (its worker died, or the job failed once): say so, and why.
    retrying = export.status == "pending" and (export.attempts or 0) > 0 and bool(export.error)
    return {"id": export.id, "status": str(export.status), "requested_at": iso(export.requested_at),
            "completed_at": iso(export.completed_at), "expires_at": iso(export.expires_at),
            "download_url": export.download_url if export.is_downloadable(now) else None,
            "retrying": retrying, "reason": export.error if retrying else None}


def admin_view(export: DsarExport, email: str | None = None, now: datetime | None = None) -> dict:
    """A row of the staff list: the owner's view plus owner, deadline, link state and the job's trail."""
    now = now or utcnow()
    row = user_view(export, now)
    row.update(user_id=export.user_id, user_email=email if email is not None else export.user.email,
               due_at=iso(export.due_at), overdue=export.is_overdue(now), link_state=str(export.link_state(now)),
               emailed_at=iso(export.emailed_at), attempts=export.attempts, error=export.error,
               requested_by_id=export.requested_by_id, reason=export.reason,
               downloaded_at=iso(export.downloaded_at), extended=export.extended_at is not None,
               extended_at=iso(export.extended_at), extension_reason=export.extension_reason,
               failure_emailed_at=iso(export.failure_emailed_at),
               extension_emailed_at=iso(export.extension_emailed_at))
    return row
