"""No user waits on a dead worker.

A worker heartbeats the job it runs every WORKER_JOB_MONITORING_INTERVAL seconds (config.py; RQ's
`last_heartbeat`, the worker runs with that interval). When the whole worker process dies
(SIGKILL, OOM, a lost machine), the job stays `started` in Redis and the export stays `running`
until RQ's own maintenance, ~10 minutes later. Instead, the DSAR sweeper (every minute) treats a
running export whose job has missed MISSED_HEARTBEATS heartbeats (60 s at the default 15 s) as
stopped and retries it, so a dead worker is noticed within that bound + one sweep interval =
2 minutes. The user sees the export as retrying, with the reason. After MAX_ATTEMPTS runs it fails
for good (the user may ask again).

And a request is never refused because of an export that nothing is working on: when the user asks
again, a pending or running export that has stalled is failed with its reason and the new one goes ahead.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.common import audit, tasks
from app.dsar import export_jobs
from app.extensions import db
from app.models import DsarExport
from app.models.types import utcnow

log = logging.getLogger(__name__)

MISSED_HEARTBEATS = 4  # heartbeats a running job may miss before its worker counts as gone
MAX_ATTEMPTS = 4  # one run and three retries, as RQ's own retry schedule for the export job


def heartbeat_stale() -> timedelta:
    """How long a running job may go without a heartbeat before its worker counts as gone."""
    return timedelta(seconds=MISSED_HEARTBEATS * current_app.config["WORKER_JOB_MONITORING_INTERVAL"])


def stalled_reason(export: DsarExport, now: datetime | None = None) -> str | None:
    """Why nothing is working on this pending/running export any more, or None while something is."""
    now = now or utcnow()
    try:
        job = tasks.fetch_job(export_jobs.export_job_id(export.id))
    except Exception:  # Redis away: we cannot tell, so we do not guess
        log.warning("cannot check the job of export %s: Redis unavailable", export.id)
        return None
    if export.status == "pending":
        if job is None and export.requested_at < now - export_jobs.PENDING_GRACE:
            return "its job was lost (the queue was unavailable or restarted)"
        return None
    if job is None:
        return "its job was lost while running"
    status, beat = job
    if status in ("queued", "scheduled", "deferred"):
        return None  # RQ will run it again (the work horse died and RQ scheduled its retry)
    if status != "started":
        return f"its job ended ({status}) without finishing the export"
    if beat is not None and now - beat > heartbeat_stale():
        return f"the worker stopped responding (last heartbeat {int((now - beat).total_seconds())} s ago)"
    return None


def recover_stalled(now: datetime | None = None) -> dict:
    """The sweeper's half for dead workers: retry running exports whose worker is gone."""
    now = now or utcnow()
    result = {"retried": 0, "failed": 0}
    running = db.session.scalars(select(DsarExport).where(DsarExport.status == "running")).all()
    for export in running:
        reason = stalled_reason(export, now)
        if reason is None:
            continue
        if (export.attempts or 0) >= MAX_ATTEMPTS:
            export_jobs.mark_failed(export, f"Attempt {export.attempts} of {MAX_ATTEMPTS} stopped: {reason}.")
            result["failed"] += 1
            continue
        _retry(export, reason)
        result["retried"] += 1
    return result


def release_stalled(user_id: int, now: datetime | None = None) -> int:
    """Before a new request: fail the user's pending/running exports that nothing works on any more."""
    now = now or utcnow()
    rows = db.session.scalars(select(DsarExport).where(
        DsarExport.user_id == user_id, DsarExport.status.in_(("pending", "running")))).all()
    released = 0
    for export in rows:
        reason = stalled_reason(export, now)
        if reason:
            export_jobs.mark_failed(export, f"Stopped: {reason}. Replaced by a new request.")
            released += 1
    return released


def _retry(export: DsarExport, reason: str) -> None:
    export.status = "pending"
    export.error = f"Attempt {export.attempts} stopped: {reason}. Retrying."
    audit.record("dsar.retrying", on=export, details={"attempt": export.attempts, "reason": reason})
    db.session.commit()
    # Drop the dead run from RQ's started registry, so its later clean-up does not run it a third time.
    tasks.forget_started(export_jobs.export_job_id(export.id))
    export_jobs.enqueue_export(export.id)
    log.warning("DSAR export %s: attempt %s stopped (%s); retrying", export.id, export.attempts, reason)

