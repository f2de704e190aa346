"""DSAR exports: a person asks for their data, a job builds and stores the archive, a signed link
and an email hand it over, and periodic jobs expire archives and rescue stuck exports.

The request is committed before its job is enqueued; if the enqueue is lost, sweep_stuck() finds
the pending row. Each step is written to audit_log in the same transaction as the change.
"""
from __future__ import annotations

import logging
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.common import audit, i18n, outages, tasks
from app.common.errors import NotFound, ServiceError
from app.common.iso import iso
from app.common.mailer import send_template
from app.common.storage import get_storage
from app.dsar import export_jobs, recovery, throttle
from app.dsar.archive import build_archive
from app.extensions import db
from app.models import DsarExport, User
from app.models.dsar import ExportStatus
from app.models.types import utcnow

log = logging.getLogger(__name__)

TOKEN_SALT = "levqor.dsar.download"
READY_SUBJECT = _l("Your Levqor data export is ready")
GDPR_DEADLINE_DAYS = 30
_SQLITE_WRITE_LOCK = threading.Lock()


class LinkGone(ServiceError):
    status = 410
    code = "gone"


def _days(name: str) -> timedelta:
    return timedelta(days=current_app.config[name])


# --- request ---------------------------------------------------------------------------------

def request_export(user_id: int, *, actor_id: int | None = None, reason: str | None = None,
                   bypass_throttle: bool = False) -> DsarExport:
    """Insert a pending export (unless the 30-day throttle refuses), commit it, then enqueue its job.

    An earlier export that nothing is working on any more (dead worker, lost job) never blocks it."""
    recovery.release_stalled(user_id)
    export = _insert_pending(user_id, actor_id, reason, bypass_throttle)
    export_jobs.enqueue_export(export.id)
    return export


def _insert_pending(user_id: int, actor_id: int | None, reason: str | None, bypass: bool) -> DsarExport:
    with _serialized_for_user(user_id):
        now = utcnow()
        if not bypass:
            blocking = throttle.blocking_export(user_id, now)
            if blocking is not None:
                raise throttle.refusal(blocking, now)
        on_behalf = actor_id is not None and actor_id != user_id
        export = DsarExport(user_id=user_id, status=ExportStatus.PENDING, requested_at=now,
                            due_at=now + timedelta(days=GDPR_DEADLINE_DAYS), attempts=0,
                            requested_by_id=actor_id if on_behalf else user_id, reason=reason)
        db.session.add(export)
        db.session.flush()
        audit.record("dsar.requested_on_behalf" if on_behalf else "dsar.requested", on=export,
                     actor_id=actor_id or user_id, details={"reason": reason} if on_behalf else {})
        db.session.commit()
        return export


def next_allowed_at(user_id: int, now: datetime | None = None) -> datetime | None:
    """When the user may ask again, or None if they may now. The page shows it before any click."""
    return throttle.next_allowed(user_id, now or utcnow())


@contextmanager
def _serialized_for_user(user_id: int):
    """Make check-then-insert exact: concurrent requests of one user run one after the other.

    PostgreSQL: lock the user's row (SELECT … FOR UPDATE) until commit. SQLite (embedded mode):
    one writer per process through a lock, and BEGIN IMMEDIATE against other processes.
    """
    conn = db.session.connection()
    try:
        if conn.dialect.name == "sqlite":
            with _SQLITE_WRITE_LOCK:
                raw = conn.connection.dbapi_connection
                if not raw.in_transaction:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                _lock_user(user_id)
                yield
        else:
            _lock_user(user_id)
            yield
    except BaseException:
        db.session.rollback()
        raise


def _lock_user(user_id: int) -> None:
    found = db.session.execute(select(User.id).where(User.id == user_id).with_for_update()).first()
    if found is None:
        raise NotFound("No such user.")


# --- the job ---------------------------------------------------------------------------------

def new_storage_key(user_id: int) -> str:
    return f"dsar/{user_id}/{secrets.token_urlsafe(24)}.zip"


def run_export(export_id: int, final_attempt: bool = True) -> str:
    """Build, store and link one export. Safe to run twice: a finished export is left alone, and a
    rerun of an unfinished one overwrites the same storage key, so one archive exists either way."""
    export = db.session.get(DsarExport, export_id)
    if export is None or not export.is_open:
        return str(export.status) if export else "missing"
    export.mark_running(utcnow(), new_storage_key(export.user_id))
    audit.record("dsar.started", on=export, details={"attempt": export.attempts})
    db.session.commit()
    key, user_id = export.storage_key, export.user_id
    try:
        archive = build_archive(export_id, user_id, current_app.config["DSAR_LINK_DAYS"])
        with archive.file:
            get_storage().upload_fileobj(key, archive.file, "application/zip")
        export = db.session.execute(
            select(DsarExport).where(DsarExport.id == export_id).options(lazyload(DsarExport.user))
            .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
        if export is None or export.status != ExportStatus.RUNNING:  # withdrawn or erased meanwhile: keep nothing
            db.session.commit()
            export_jobs.delete_archive(key)
            return str(export.status) if export else "erased"
        export.mark_ready(utcnow(), _days("DSAR_LINK_DAYS"), download_url(export), archive.size)
        audit.record("dsar.completed", on=export, details={"size_bytes": archive.size, "files": {
            f["name"]: f["records"] for f in archive.manifest["files"] if f["records"] is not None}})
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _record_failure(export_id, exc, final_attempt)
        raise
    export_jobs.enqueue_email(export_id)
    return str(ExportStatus.READY)


# An outage of a dependency is retried on the whole of DSAR_RETRY_INTERVALS (about an hour); any other
# error fails the export after ORDINARY_ATTEMPTS runs, as before. The user is told in plain words what
# is away, never the driver's message (boto's names the internal endpoint, bucket, key and uploadId);
# the full error goes to the log for ops.
ORDINARY_ATTEMPTS = 4
OUTAGE_REASONS = {
    "storage": "our file storage is unreachable; we will retry automatically until it is back",
    "database": "our database was unreachable; we will retry automatically until it is back",
    "queue": "our job queue was unreachable; we will retry automatically until it is back",
}


def outage_reason(exc: BaseException) -> str | None:
    """The plain reason for a dependency outage (an S3 5xx counts), or None for any other error."""
    down = outages.unavailable_dependency(exc)
    if down is not None:
        return OUTAGE_REASONS.get(down.name, f"{down.name} was unreachable; we will retry automatically")
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return OUTAGE_REASONS["storage"]
    return None


def _record_failure(export_id: int, exc: Exception, final: bool) -> None:
    export = db.session.get(DsarExport, export_id)
    if export is None or export.status != ExportStatus.RUNNING:
        return
    reason = outage_reason(exc)
    if reason is not None:
        log.warning("DSAR export %s attempt %s: %s (%s: %s)", export_id, export.attempts, reason,
                    type(exc).__name__, exc)
        message = reason[0].upper() + reason[1:] + "."
        if final:
            message = f"{message.split(';')[0]} for over an hour; please ask again."
    else:
        message = f"{type(exc).__name__}: {exc}"[:2000]
        final = final or (export.attempts or 0) >= ORDINARY_ATTEMPTS
    if final:
        export_jobs.mark_failed(export, message)
    else:
        export.mark_retrying(message)  # RQ retries it after its back-off
        db.session.commit()


def send_ready_email(export_id: int, resend: bool = False) -> bool:
    """Email the owner the link. Raises on SMTP failure (the mail job retries); never touches the archive."""
    export = db.session.get(DsarExport, export_id)
    if export is None or not export.is_downloadable() or (export.emailed_at and not resend):
        return False
    send_template(export.user.email, READY_SUBJECT, "dsar_ready", export.user.locale, url=export.download_url,
                  export=export,
                  user=export.user, link_days=current_app.config["DSAR_LINK_DAYS"])
    export.emailed_at = utcnow()
    audit.record("dsar.emailed", on=export, details={"resend": resend})
    db.session.commit()
    return True


# --- the link --------------------------------------------------------------------------------

def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def download_url(export: DsarExport) -> str:
    token = _signer().dumps({"e": export.id, "u": export.user_id})
    return f"{current_app.config['PUBLIC_BASE_URL']}/data-requests/download/{token}"


def resolve_download(token: str, user_id: int) -> DsarExport:
    """The export behind a link, for its signed-in owner only; checked against the database every
    time so an invalidation or expiry takes effect at once. Audits the download."""
    return record_download(check_download(token, user_id), user_id)


def check_download(token: str, user_id: int) -> DsarExport:
    """The export behind a link if it may be downloaded now (raises NotFound / LinkGone); records nothing."""
    max_age = int(_days("DSAR_LINK_DAYS").total_seconds())
    try:
        data = _signer().loads(token, max_age=max_age)
        expired = False
    except SignatureExpired:
        valid, data = _signer().loads_unsafe(token)
        expired = valid
    except BadSignature:
        data, expired = None, False
    if not isinstance(data, dict) or data.get("u") != user_id:
        raise NotFound(_l("This download link is not valid."))
    export = db.session.get(DsarExport, data.get("e"))
    if export is None or export.user_id != user_id:
        raise NotFound(_l("This download link is not valid."))
    if expired or export.link_is_gone:
        raise gone(export)
    if export.status != ExportStatus.READY:
        raise NotFound(_l("This export is not ready."))
    return export


def record_download(export: DsarExport, user_id: int) -> DsarExport:
    export.mark_downloaded(utcnow())
    audit.record("dsar.downloaded", on=export, actor_id=user_id,
                 details={"storage": current_app.config["STORAGE_BACKEND"]})
    db.session.commit()
    return export


def gone(export: DsarExport) -> LinkGone:
    """The 410 in the person's words: what happened to the link, and when they may ask again."""
    withdrawn = export.status == ExportStatus.INVALIDATED
    what = (_l("Our support team withdrew this link, and the archive behind it was deleted.") if withdrawn else
            _l("This link expired on %(day)s and the archive behind it was deleted.",
               day=i18n.later(i18n.fmt_date, export.expires_at))
            if export.expires_at else _l("This link has expired."))
    again = next_allowed_at(export.user_id)
    when = (_l("You can request a new export from %(when)s.", when=i18n.later(i18n.fmt_datetime, again, "long"))
            if again else _l("You can request a new export now."))
    return LinkGone(i18n.later("{} {}".format, what, when),
                    extra={"link_state": "withdrawn" if withdrawn else "expired",
                           "next_allowed_at": iso(again) if again else None})


def download_filename(export: DsarExport) -> str:
    return f"levqor-data-export-{export.id}.zip"


# --- periodic --------------------------------------------------------------------------------

def expire_archives(now: datetime | None = None, batch: int = 500) -> int:
    """Delete archives whose link expired and mark their exports expired."""
    now = now or utcnow()
    rows = db.session.scalars(select(DsarExport).where(
        DsarExport.status == ExportStatus.READY, DsarExport.expires_at <= now)
        .order_by(DsarExport.id).limit(batch)).all()
    done = 0
    for export in rows:
        try:
            if export.storage_key:
                get_storage().delete(export.storage_key)
        except Exception:  # the link is refused anyway; try again next run
            log.exception("could not delete expired DSAR archive %s", export.id)
            continue
        export.mark_expired()
        audit.record("dsar.expired", on=export, details={"expires_at": export.expires_at.isoformat()})
        db.session.commit()
        done += 1
    return done


def sweep_stuck(now: datetime | None = None) -> dict:
    """Re-enqueue pending exports without a live job, fail running ones past the job timeout, and
    re-send emails that never went out, so no export blocks its user for 30 days."""
    now = now or utcnow()
    result = {"requeued": 0, "failed": 0, "emails": 0}
    pending = db.session.scalars(select(DsarExport).where(
        DsarExport.status == ExportStatus.PENDING, DsarExport.requested_at < now - export_jobs.PENDING_GRACE)).all()
    for export in pending:
        if not tasks.is_job_live(export_jobs.export_job_id(export.id)):
            export_jobs.enqueue_export(export.id)
            result["requeued"] += 1
    timeout = timedelta(seconds=current_app.config["DSAR_JOB_TIMEOUT"] + 60)
    stuck = db.session.scalars(select(DsarExport).where(
        DsarExport.status == ExportStatus.RUNNING, DsarExport.started_at < now - timeout)).all()
    for export in stuck:
        export_jobs.mark_failed(export, f"The export job did not finish within {timeout.total_seconds():.0f} seconds.")
        result["failed"] += 1
    unsent = db.session.scalars(select(DsarExport).where(
        DsarExport.status == ExportStatus.READY, DsarExport.emailed_at.is_(None), DsarExport.expires_at > now,
        DsarExport.completed_at < now - export_jobs.PENDING_GRACE)).all()
    for export in unsent:  # only when no mail job exists: a failed one waits in RQ's failed registry
        result["emails"] += tasks.enqueue_unless_present(export_jobs.READY_MAIL_JOB, export.id, False,
                                                         key=(export.id,))
    return result


# --- reading ---------------------------------------------------------------------------------

def list_for_user(user_id: int, limit: int = 50) -> list[DsarExport]:
    """The person's own exports, newest first."""
    return list(db.session.scalars(select(DsarExport).where(DsarExport.user_id == user_id)
                                   .order_by(DsarExport.requested_at.desc(), DsarExport.id.desc()).limit(limit)))
