"""Periodic jobs, declared as data and reconciled with rq-scheduler under fixed ids.

Registering twice (or restarting the scheduler) keeps one job under each id instead of adding a copy,
and ids that are no longer declared are cancelled. The running scheduler reconciles every minute: a
periodic job that went missing is scheduled again, and a slot that passed unqueued is caught up.
"""
from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

from crontab import CronTab
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq_scheduler import Scheduler

from jobs.queues import REGISTRY

log = logging.getLogger(__name__)
ID_PREFIX = "periodic-"


@dataclass(frozen=True)
class Periodic:
    id: str
    cron: str  # UTC crontab
    job: str  # the id of a declared @job
    description: str


PERIODIC_JOBS: list[Periodic] = [
    # Every minute: with 15 s heartbeats judged stale after 60 s, a dead worker is noticed within 2 minutes.
    Periodic("dsar-sweep", "* * * * *", "dsar.sweep",
             "DSAR: re-enqueue pending exports with no live job, retry running ones whose worker died"),
    Periodic("dsar-erase-due", "* * * * *", "dsar.erase_due",
             "DSAR: run erasures whose grace period ended (and unfinished ones), send lost final emails"),
    Periodic("dsar-expire", "17 * * * *", "dsar.expire",
             "DSAR: delete archives whose link expired and mark them expired"),
    Periodic("status-snapshot", "*/5 * * * *", "status.snapshot",
             "Status page: check every component and record a snapshot"),
    Periodic("status-maintenance", "* * * * *", "status.maintenance",
             "Status page: scheduled maintenance starts and ends on time"),
    Periodic("status-maintenance-reminders", "* * * * *", "status.maintenance_reminders",
             "Status subscribers: one reminder before planned work starts (STATUS_MAINTENANCE_REMINDER_MINUTES)"),
    Periodic("status-rollup", "7 * * * *", "status.rollup",
             "Status page: hourly/daily rollups, 30-day raw and 400-day rollup retention"),
    Periodic("storage-abort-stale-uploads", "41 * * * *", "storage.abort_stale_uploads",
             "Storage: abort multipart uploads (S3) or half-written files (local) unfinished for over a day"),
    Periodic("status-notify-sweep", "* * * * *", "status.notify_sweep",
             "Status subscriptions: hand over events the fan-out never took, re-send lost webhook-off mails, "
             "prune unconfirmed and old records"),
    Periodic("sla-decision-emails", "*/10 * * * *", "sla.sweep_emails",
             "SLA credits: send decision emails that were never sent (queueing failed or was lost)"),
    Periodic("sla-proactive", "23 * * * *", "sla.proactive",
             "SLA credits: measure billing periods that closed and draft (SLA_PROACTIVE) the credits missed"),
    Periodic("sla-credit-sweep", "*/5 * * * *", "sla.sweep_credits",
             "SLA credits: make the batch credits still waiting (Stripe busy, a worker killed mid-batch)"),
    Periodic("dsar-emails", "*/5 * * * *", "dsar.sweep_emails",
             "DSAR: send failure and deadline-extension emails that were never sent (queueing failed or was lost)"),
]


def register_periodic_jobs(scheduler, jobs: list[Periodic] | None = None) -> list[str]:
    """Cancel ids no longer declared; schedule each declared job that is missing or whose definition
    changed. One already scheduled as declared is left alone: cancelling and re-creating it would move
    a run due in the next seconds to the slot after (a restart just before a 5-minute boundary used to
    lose that snapshot)."""
    jobs = PERIODIC_JOBS if jobs is None else jobs
    wanted = {ID_PREFIX + p.id for p in jobs}
    for existing in scheduler.get_jobs():
        if existing.id.startswith(ID_PREFIX) and existing.id not in wanted:
            scheduler.cancel(existing)
    for periodic in jobs:
        if not _is_scheduled_as_declared(scheduler, periodic):
            _schedule(scheduler, periodic)
    return sorted(wanted)


def _schedule(scheduler, periodic: Periodic) -> None:
    job_id = ID_PREFIX + periodic.id
    if job_id in scheduler:
        scheduler.cancel(job_id)
    spec = REGISTRY[periodic.job].spec
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the crontab package warns on every cron()
        scheduler.cron(periodic.cron, func=REGISTRY[periodic.job].func, id=job_id, queue_name=spec.queue,
                       timeout=spec.timeout_seconds(), result_ttl=spec.result_ttl,
                       description=periodic.description)


def _is_scheduled_as_declared(scheduler, periodic: Periodic) -> bool:
    job_id = ID_PREFIX + periodic.id
    if job_id not in scheduler:
        return False
    try:
        job = Job.fetch(job_id, connection=scheduler.connection)
    except NoSuchJobError:  # its record expired: rq-scheduler would drop it at its next due time
        return False
    func = REGISTRY[periodic.job].func
    spec = REGISTRY[periodic.job].spec
    return (job.meta.get("cron_string") == periodic.cron and job.origin == spec.queue
            and job.func_name == f"{func.__module__}.{func.__qualname__}" and job.timeout == spec.timeout_seconds())


def make_scheduler(connection, interval: int = 10):
    return Scheduler(connection=connection, interval=interval)


# --- reconcile and catch-up ---------------------------------------------------------------------
# rq-scheduler forgets a periodic job for good when its record is gone at its due time (a record that
# expired while the job waited in a long queue, a Redis that came back empty, someone deleting keys), and
# a scheduler down across a due time skips that run. So the scheduler remembers when it last queued each
# periodic job, and every SCHEDULER_RECONCILE_SECONDS (and at start) puts back what is missing and runs
# once, now, what was due at its latest slot and never queued (a catch-up).

LAST_QUEUED_KEY = "levqor:periodic:last-queued"  # {periodic job id: epoch seconds it was last queued}


class PeriodicScheduler(Scheduler):
    def __init__(self, *args, jobs: list[Periodic] | None = None, reconcile_seconds: float = 60, **kwargs):
        super().__init__(*args, **kwargs)
        self.periodic = PERIODIC_JOBS if jobs is None else jobs
        self.reconcile_seconds = reconcile_seconds
        self._next_reconcile = 0.0

    def enqueue_job(self, job):
        super().enqueue_job(job)
        if job.id.startswith(ID_PREFIX):
            self.connection.hset(LAST_QUEUED_KEY, job.id, time.time())

    def enqueue_jobs(self):
        """Called under rq-scheduler's lock, so of two schedulers only one queues or reconciles."""
        queued = list(super().enqueue_jobs())
        if time.monotonic() >= self._next_reconcile:
            self._next_reconcile = time.monotonic() + self.reconcile_seconds
            reconcile(self, self.periodic)
        return queued


def reconcile(scheduler, jobs: list[Periodic], now: float | None = None) -> dict:
    """Schedule again every declared job that is missing; queue a catch-up run of each job whose latest
    slot passed without it being queued (and that rq-scheduler will not queue for that slot itself)."""
    now = time.time() if now is None else now
    missing = [p.id for p in jobs if not _is_scheduled_as_declared(scheduler, p)]
    for periodic in jobs:
        if periodic.id in missing:
            log.warning("periodic job %s was missing from the schedule (or its record was gone); scheduling it "
                        "again", periodic.id)
            _schedule(scheduler, periodic)
    caught_up = [p.id for p in jobs if _catch_up(scheduler, p, now)]
    return {"rescheduled": missing, "caught_up": caught_up}


def _catch_up(scheduler, periodic: Periodic, now: float) -> bool:
    job_id = ID_PREFIX + periodic.id
    slot = now + CronTab(periodic.cron).previous(now=datetime.fromtimestamp(now, UTC), default_utc=True)
    connection = scheduler.connection
    last = connection.hget(LAST_QUEUED_KEY, job_id)
    if last is not None and float(last) >= slot:
        return False
    pending = connection.zscore(scheduler.scheduled_jobs_key, job_id)
    if pending is not None and pending <= slot + 1:
        return False  # still waiting for that slot: rq-scheduler queues it on this or its next pass
    if not connection.set(f"{LAST_QUEUED_KEY}:{periodic.id}:{int(slot)}", b"1", nx=True, ex=24 * 3600):
        return False  # another scheduler caught this slot up already
    REGISTRY[periodic.job].enqueue(job_id=f"catchup-{periodic.id}-{int(slot)}")
    connection.hset(LAST_QUEUED_KEY, job_id, now)
    log.warning("periodic job %s was not queued for its %s slot (scheduler down or its schedule lost); "
                "running it now", periodic.id, datetime.fromtimestamp(slot, UTC).strftime("%Y-%m-%d %H:%M"))
    return True
