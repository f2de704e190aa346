"""Support staff and erasure requests: the queue, hold (with a reason the person is told), release.

A hold is for a reason the law accepts for keeping data longer: an open SLA dispute, an unpaid invoice,
a legal claim. Every action audits with the staff member as actor and the person as target.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.common import audit, tasks
from app.common.errors import Conflict, NotFound, ValidationFailed
from app.common.iso import iso
from app.common.listing import ListFilters, parse_list_filters
from app.dsar import erasure as erasures
from app.extensions import db
from app.models import ErasureRequest, User
from app.models.erasure import ErasureRefused, ErasureStatus
from app.models.types import utcnow

MAX_REASON = 2000
HELD_MAIL_JOB = "dsar.email_erasure_held"
RELEASE_NOTICE = timedelta(days=2)  # a released erasure never runs sooner than this: the person can react


def parse_filters(args) -> ListFilters:
    return parse_list_filters(args, tuple(ErasureStatus))


def admin_view(erasure: ErasureRequest, email: str, now=None) -> dict:
    row = erasures.view(erasure)
    # "stuck": started and retrying (its last attempt stopped with an error, e.g. storage down).
    row.update(user_id=erasure.user_id, user_email=email, attempts=erasure.attempts, error=erasure.error,
               started_at=iso(erasure.started_at), held_at=iso(erasure.held_at),
               stuck=erasure.status == ErasureStatus.RUNNING and bool(erasure.error),
               final_emailed_at=iso(erasure.final_emailed_at))
    return row


def list_erasures(filters: ListFilters, actor_id: int) -> tuple[list[dict], int]:
    """One page, soonest due first; audited as dsar.erasure_admin_list."""
    def where(stmt):
        return filters.where(stmt, ErasureRequest.user_id, ErasureRequest.status, ErasureRequest.requested_at)
    total = db.session.scalar(where(select(func.count()).select_from(ErasureRequest)))
    stmt = (where(select(ErasureRequest, User.email).join(User, User.id == ErasureRequest.user_id))
            .order_by(ErasureRequest.scheduled_for, ErasureRequest.id)
            .limit(filters.per_page).offset((filters.page - 1) * filters.per_page))
    rows = [admin_view(erasure, email) for erasure, email in db.session.execute(stmt)]
    audit.record("dsar.erasure_admin_list", actor_id=actor_id, target_type="dsar_erasure",
                 details={"filters": filters.as_dict(), "total": total})
    db.session.commit()
    return rows, total


def record_grid_view(actor_id: int, page: str) -> None:
    audit.record("dsar.erasure_admin_view", actor_id=actor_id, target_type="dsar_erasure", details={"page": page})
    db.session.commit()


def _locked(erasure_id: int) -> ErasureRequest:
    erasure = ErasureRequest.locked(erasure_id)
    if erasure is None:
        db.session.rollback()
        raise NotFound("No such erasure request.")
    return erasure


def hold(erasure_id: int, actor_id: int, reason: str) -> ErasureRequest:
    """Stop the clock; the person sees the reason on /data-requests and by email."""
    if not reason or not reason.strip():
        raise ValidationFailed("Say why the erasure is held; the person is told.",
                               fields={"reason": "Required (e.g. an open SLA dispute, an unpaid invoice)."})
    erasure = _locked(erasure_id)
    try:
        erasure.hold(utcnow(), reason.strip()[:MAX_REASON], actor_id)
    except ErasureRefused as exc:
        db.session.rollback()
        raise Conflict(str(exc), code="not_holdable") from None
    audit.record("dsar.erasure_held", on=erasure, actor_id=actor_id, details={"reason": erasure.hold_reason})
    db.session.commit()
    tasks.try_enqueue(HELD_MAIL_JOB, erasure.id, key=(erasure.id, int(erasure.held_at.timestamp())))
    return erasure


def release(erasure_id: int, actor_id: int) -> ErasureRequest:
    erasure = _locked(erasure_id)
    try:
        erasure.release(utcnow(), RELEASE_NOTICE)
    except ErasureRefused as exc:
        db.session.rollback()
        raise Conflict(str(exc), code="not_held") from None
    audit.record("dsar.erasure_released", on=erasure, actor_id=actor_id,
                 details={"scheduled_for": iso(erasure.scheduled_for)})
    db.session.commit()
    return erasure
