"""Status page jobs: a snapshot every 5 minutes, and the hourly rollup + retention pass."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import current_app
from rq import get_current_job

from app.status import history, maintenance, maintenance_reminders, snapshots
from jobs.queues import job

log = logging.getLogger(__name__)
SLOT_SECONDS = 300


@job("status.snapshot", queue="status", timeout=120, result_ttl=600, ttl=240, failure_ttl=24 * 3600)
def record_snapshot_job() -> dict:
    """No retries and a short ttl: a snapshot taken late is worse than the next one on time.

    A slot whose job never ran (dropped after its ttl, or no status worker) has no snapshot, and the
    24-hour history shows it as `no_data` ("no check ran"), apart from `unknown` (not monitored). A job
    that starts late says so in its result and in the log, so a starved status queue is never silent."""
    late = _late_seconds()
    if late >= 60:
        log.warning("status snapshot started %ss after it was scheduled%s", late,
                    " (its slot was missed)" if late >= SLOT_SECONDS else "")
    snap = snapshots.record_snapshot(current_app._get_current_object())
    return {"id": snap.id, "overall": snap.overall_status, "late_seconds": late,
            "missed_slot": late >= SLOT_SECONDS}


def _late_seconds() -> int:
    current = get_current_job()
    enqueued = current.enqueued_at if current is not None else None
    if enqueued is None:
        return 0
    enqueued = enqueued if enqueued.tzinfo else enqueued.replace(tzinfo=UTC)
    return max(0, int((datetime.now(UTC) - enqueued).total_seconds()))


@job("status.rollup", queue="status", timeout=600, retry_intervals=(60, 300), result_ttl=3600, ttl=3600)
def rollup_status_job(hours: int = 48) -> dict:
    """Idempotent: recomputes the last `hours` of buckets, then prunes what retention allows."""
    return history.rollup_and_prune(hours=hours)


@job("status.maintenance_reminders", queue="status", timeout=60, result_ttl=600, ttl=120)
def maintenance_reminders_job() -> dict:
    """Subscribers are reminded once before planned work starts."""
    return maintenance_reminders.send_due()


@job("status.maintenance", queue="status", timeout=60, result_ttl=600, ttl=120)
def advance_maintenance_job() -> dict:
    """Scheduled maintenance moves to in progress and to completed by the clock."""
    return maintenance.advance()
