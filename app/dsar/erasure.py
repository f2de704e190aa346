"""Erasure (GDPR Art. 17): a person asks, re-entering their password; it runs after a grace period in
which they can cancel and staff can hold it (app/dsar/erasure_staff.py); then a job erases what the data
map says (app/dsar/erasure_run.py) and one final email goes to the old address.

The request is committed before anything is enqueued; the periodic sweep (`dsar.erase_due`, every minute)
enqueues every due or unfinished erasure that RQ does not hold, so a lost enqueue or a killed worker only
delays an erasure, never loses it. `flask dsar erase-due` runs the due ones in-process at once.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.users import authenticate
from app.common import audit, i18n, tasks
from app.common.errors import Conflict, NotFound, ValidationFailed
from app.common.iso import iso
from app.dsar import erasure_run, recovery
from app.extensions import db
from app.models import ErasureRequest, User
from app.models.erasure import ACTIVE, ErasureRefused, ErasureStatus
from app.models.types import utcnow

log = logging.getLogger(__name__)

ERASE_JOB = "dsar.erase"
SCHEDULED_MAIL_JOB, FINAL_MAIL_JOB = "dsar.email_erasure_scheduled", "dsar.email_erasure_final"
MAX_PASSWORD_CHARS = 1024


def grace() -> timedelta:
    return timedelta(days=current_app.config["DSAR_ERASURE_GRACE_DAYS"])


def view(erasure: ErasureRequest | None) -> dict | None:
    """The person's view (SPEC `GET /api/dsar/erasure`)."""
    if erasure is None:
        return None
    return {"id": erasure.id, "status": str(erasure.status), "requested_at": iso(erasure.requested_at),
            "scheduled_for": iso(erasure.scheduled_for), "completed_at": iso(erasure.completed_at),
            "canceled_at": iso(erasure.canceled_at), "hold_reason": erasure.hold_reason}


def latest_for_user(user_id: int) -> ErasureRequest | None:
    return db.session.scalars(select(ErasureRequest).where(ErasureRequest.user_id == user_id)
                              .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc()).limit(1)).first()


def request_erasure(user_id: int, password: str) -> ErasureRequest:
    """Schedule the erasure of the account after the grace period; the password must be re-entered."""
    user = db.session.execute(select(User).where(User.id == user_id).with_for_update()).scalar_one_or_none()
    if user is None:
        raise NotFound(_l("No such user."))
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_CHARS \
            or authenticate(user.email, password) is None:
        db.session.rollback()
        raise ValidationFailed(_l("That password is not right. Nothing was scheduled."), code="wrong_password",
                               fields={"password": _l("Enter the password you sign in with.")})
    active = db.session.scalars(select(ErasureRequest).where(
        ErasureRequest.user_id == user_id, ErasureRequest.status.in_(ACTIVE))).first()
    if active is not None:
        db.session.rollback()
        raise Conflict(_l("An erasure of your account is already %(status)s (for %(day)s).",
                          status=i18n.lazy(active.status), day=i18n.later(i18n.fmt_date, active.scheduled_for)),
                       code="erasure_scheduled",
                       extra={"request": view(active)})
    now = utcnow()
    erasure = ErasureRequest(user_id=user_id, status=ErasureStatus.SCHEDULED, requested_at=now,
                             scheduled_for=now + grace())
    db.session.add(erasure)
    db.session.flush()
    audit.record("dsar.erasure_requested", on=erasure, actor_id=user_id,
                 details={"scheduled_for": iso(erasure.scheduled_for)})
    db.session.commit()
    tasks.try_enqueue(SCHEDULED_MAIL_JOB, erasure.id, key=(erasure.id,))
    return erasure


def _owned(erasure_id: int, user_id: int) -> ErasureRequest:
    erasure = ErasureRequest.locked(erasure_id)
    if erasure is None or erasure.user_id != user_id:
        db.session.rollback()
        raise NotFound(_l("No such erasure request."))
    return erasure


def cancel(erasure_id: int, user_id: int) -> ErasureRequest:
    """The person changes their mind: allowed while scheduled or held (409 once it started)."""
    erasure = _owned(erasure_id, user_id)
    try:
        erasure.cancel(utcnow())
    except ErasureRefused as exc:
        db.session.rollback()
        raise Conflict(str(exc), code="erasure_not_cancelable") from None
    audit.record("dsar.erasure_canceled", on=erasure, actor_id=user_id)
    db.session.commit()
    return erasure


# --- running ---------------------------------------------------------------------------------------

def run_erasure(erasure_id: int) -> str:
    """Erase one due request. Safe to run twice and after a crash: each phase is idempotent and the
    request is completed in the same transaction as the last database change (see erasure_run)."""
    erasure = ErasureRequest.locked(erasure_id)
    if erasure is None:
        return "missing"
    if erasure.status == ErasureStatus.SCHEDULED and not erasure.is_due():
        db.session.commit()
        return "not_due"
    if erasure.status not in (ErasureStatus.SCHEDULED, ErasureStatus.RUNNING):
        db.session.commit()
        return str(erasure.status)
    erasure_run.begin(erasure)
    try:
        erasure_run.delete_stored_objects(erasure.user_id)
    except Exception as exc:  # S3 down: the row says so for staff, RQ (or the sweep) tries again
        db.session.rollback()
        _record_error(erasure_id, f"Storage: {type(exc).__name__}: {exc}")
        raise
    counts = erasure_run.erase_rows(erasure_id)
    tasks.try_enqueue(FINAL_MAIL_JOB, erasure_id, key=(erasure_id,))
    log.info("erasure %s completed: %s", erasure_id, counts)
    return str(ErasureStatus.COMPLETED)


def _record_error(erasure_id: int, message: str) -> None:
    erasure = db.session.get(ErasureRequest, erasure_id)
    if erasure is not None and erasure.status == ErasureStatus.RUNNING:
        erasure.error = message[:2000]
        db.session.commit()


def due_ids(now: datetime | None = None) -> list[int]:
    """Scheduled erasures whose date has come, and started ones that have not finished."""
    now = now or utcnow()
    return list(db.session.scalars(select(ErasureRequest.id).where(
        ((ErasureRequest.status == ErasureStatus.SCHEDULED) & (ErasureRequest.scheduled_for <= now))
        | (ErasureRequest.status == ErasureStatus.RUNNING)).order_by(ErasureRequest.id)))


def sweep_due(now: datetime | None = None) -> dict:
    """The periodic job: enqueue every due erasure nothing works on (no job, a job that ended, or a
    worker that stopped heartbeating: an erasure must finish), and final emails that never went out."""
    now = now or utcnow()
    result = {"enqueued": 0, "final_emails": 0}
    for erasure_id in due_ids(now):
        reason = _stalled(erasure_id, now)
        if reason is None:
            continue
        if reason.startswith("the worker"):
            _record_error(erasure_id, f"Attempt stopped: {reason}. Retrying.")
            tasks.forget_started(tasks.job_id(ERASE_JOB, erasure_id))
        tasks.enqueue(ERASE_JOB, erasure_id, job_id=tasks.job_id(ERASE_JOB, erasure_id))
        result["enqueued"] += 1
    unsent = db.session.scalars(select(ErasureRequest.id).where(
        ErasureRequest.status == ErasureStatus.COMPLETED, ErasureRequest.notify_email.is_not(None))).all()
    for erasure_id in unsent:
        result["final_emails"] += tasks.enqueue_unless_present(FINAL_MAIL_JOB, erasure_id, key=(erasure_id,))
    return result


def _stalled(erasure_id: int, now: datetime) -> str | None:
    """Why a due erasure needs a (new) job, or None while RQ will run the one it holds."""
    job = tasks.fetch_job(tasks.job_id(ERASE_JOB, erasure_id))
    if job is None:
        return "due"
    status, beat = job
    if status in ("queued", "scheduled", "deferred"):
        return None
    if status == "started":
        if beat is not None and now - beat > recovery.heartbeat_stale():
            return f"the worker stopped responding (last heartbeat {int((now - beat).total_seconds())} s ago)"
        return None
    return "due" if status == "finished" else f"its job ended ({status})"


def erase_due_now(echo=None) -> list[int]:
    """`flask dsar erase-due`: run the due erasures in this process, one after the other."""
    done = []
    for erasure_id in due_ids():
        if echo:
            echo(f"Erasing request {erasure_id}…")
        if run_erasure(erasure_id) == str(ErasureStatus.COMPLETED):
            done.append(erasure_id)
    return done
