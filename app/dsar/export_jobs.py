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


def export_job_id(export_id: int) -> str:
    return f"dsar-export-{export_id}"


def email_job_id(export_id: int) -> str:
    return f"dsar-email-{export_id}"


def enqueue_export(export_id: int) -> None:
    """Best effort: if Redis is away the row stays pending and sweep_stuck() enqueues it later."""
    try:
        tasks.enqueue("dsar.export", export_id, job_id=export_job_id(export_id))
    except Exception:
        log.exception("could not enqueue DSAR export %s; the sweeper will pick it up", export_id)


def enqueue_email(export_id: int, resend: bool = False) -> None:
    try:
        tasks.enqueue("dsar.email_ready", export_id, resend, job_id=None if resend else email_job_id(export_id))
    except Exception:
        log.exception("could not enqueue the DSAR email for %s; the sweeper will pick it up", export_id)


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
