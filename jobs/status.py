"""Status page jobs: a snapshot every 5 minutes, and the hourly rollup + retention pass."""
from __future__ import annotations

from flask import current_app

from app.services import maintenance, status, status_history
from jobs.queues import job


@job("status.snapshot", queue="status", timeout=120, result_ttl=600, ttl=240, failure_ttl=24 * 3600)
def record_snapshot_job() -> dict:
    """No retries and a short ttl: a snapshot taken late is worse than the next one on time."""
    snap = status.record_snapshot(current_app._get_current_object())
    return {"id": snap.id, "overall": snap.overall_status}


@job("status.rollup", queue="status", timeout=600, retry_intervals=(60, 300), result_ttl=3600, ttl=3600)
def rollup_status_job(hours: int = 48) -> dict:
    """Idempotent: recomputes the last `hours` of buckets, then prunes what retention allows."""
    return status_history.rollup_and_prune(hours=hours)


@job("status.maintenance", queue="status", timeout=60, result_ttl=600, ttl=120)
def advance_maintenance_job() -> dict:
    """Scheduled maintenance moves to in progress and to completed by the clock."""
    return maintenance.advance()
