"""An export's jobs as the rest of DSAR sees them: their ids, their best-effort enqueues, and the
final failure that ends an export for good.

Both the request and build side (exports) and the dead-worker side (recovery) stand on this module,
so neither imports the other's internals and no import cycle joins them.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from app.common import audit, tasks
from app.common.storage import get_storage
from app.dsar import emails
from app.extensions import db
from app.models import DsarExport

log = logging.getLogger(__name__)

PENDING_GRACE = timedelta(minutes=2)  # a fresh pending row's job may not be visible yet
EXPORT_JOB, READY_MAIL_JOB = "dsar.export", "dsar.email_ready"


def export_job_id(export_id: int) -> str:
    return tasks.job_id(EXPORT_JOB, export_id)


def email_job_id(export_id: int) -> str:
    return tasks.job_id(READY_MAIL_JOB, export_id)


def enqueue_export(export_id: int) -> None:
    """Best effort: if Redis is away the row stays pending and sweep_stuck() enqueues it later."""
    tasks.try_enqueue(EXPORT_JOB, export_id, key=(export_id,))


def enqueue_email(export_id: int, resend: bool = False) -> None:
    """A resend gets a fresh job id (the first mail's job may still be held by RQ)."""
    tasks.try_enqueue(READY_MAIL_JOB, export_id, resend, key=None if resend else (export_id,))


def mark_failed(export: DsarExport, error: str) -> None:
    """Final failure: the user may ask again at once (failed exports do not count against the throttle)."""
    export.mark_failed(error)
    audit.record("dsar.failed", on=export, details={"error": error, "attempts": export.attempts})
    db.session.commit()
    emails.enqueue(emails.FAILED_JOB, export.id)
    if export.storage_key:
        delete_archive(export.storage_key)


def delete_archive(key: str) -> bool:
    """Delete a stored archive; False (logged) when storage refuses."""
    try:
        get_storage().delete(key)
        return True
    except Exception:
        log.exception("could not delete DSAR archive %s", key)
        return False
