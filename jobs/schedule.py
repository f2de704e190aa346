"""Periodic jobs, declared as data and reconciled with rq-scheduler under fixed ids.

Registering twice (or restarting the scheduler) replaces each job under its id instead of adding a
copy, and ids that are no longer declared are cancelled.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

from rq_scheduler import Scheduler

from jobs.queues import REGISTRY

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
    Periodic("dsar-emails", "*/5 * * * *", "dsar.sweep_emails",
             "DSAR: send failure and deadline-extension emails that were never sent (queueing failed or was lost)"),
]


def register_periodic_jobs(scheduler, jobs: list[Periodic] | None = None) -> list[str]:
    jobs = PERIODIC_JOBS if jobs is None else jobs
    wanted = {ID_PREFIX + p.id for p in jobs}
    for existing in scheduler.get_jobs():
        if existing.id.startswith(ID_PREFIX) and existing.id not in wanted:
            scheduler.cancel(existing)
    for periodic in jobs:
        job_id = ID_PREFIX + periodic.id
        if job_id in scheduler:
            scheduler.cancel(job_id)
        declared = REGISTRY[periodic.job]
        spec = declared.spec
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # the crontab package warns on every cron()
            scheduler.cron(periodic.cron, func=declared.func, id=job_id, queue_name=spec.queue,
                           timeout=spec.timeout_seconds(), result_ttl=spec.result_ttl,
                           description=periodic.description)
    return sorted(wanted)


def make_scheduler(connection, interval: int = 10):
    return Scheduler(connection=connection, interval=interval)
