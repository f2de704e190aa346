"""The port through which the domain starts background work, without knowing the job code.

Services name a job by its id (`tasks.enqueue("dsar.export", export_id)`); `jobs/` declares those
ids with `@job(...)` and the app factory hands the registry to the app (`jobs.init_app`). So jobs
depend on the domain and never the reverse. The queues live on the app's Redis client
(app.common.redis).

Two habits every domain shares live here once: `try_enqueue` (commit, then enqueue if Redis answers;
if it does not, the row stays as it is and the domain's sweeper enqueues it later) and
`enqueue_unless_present` (the sweeper's half). Both name a job's stable id by `job_id(name, key)`.
"""
from __future__ import annotations

import logging

from flask import current_app
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.common import redis

log = logging.getLogger(__name__)

QUEUES = ("dsar", "mail", "status", "notify", "default")
_REGISTRY = "levqor_jobs"


class UnknownJob(LookupError):
    pass


def init_app(app, registry: dict) -> None:
    """Called by create_app with jobs/'s registry: {job id: declared job}."""
    app.extensions[_REGISTRY] = registry


def connection(app=None):
    """The Redis the queues live on: the app's one client (app.common.redis)."""
    return redis.client(app)


def queue(name: str = "default", app=None) -> Queue:
    return Queue(name, connection=connection(app))


def declared(name: str, app=None):
    """The job declared under `name` (its function and spec)."""
    app = app or current_app._get_current_object()
    try:
        return app.extensions[_REGISTRY][name]
    except KeyError:
        raise UnknownJob(name) from None


def enqueue(name: str, *args, job_id: str | None = None, **kwargs) -> Job:
    """Put job `name` on its queue with its declared timeout, ttls and retries."""
    return declared(name).enqueue(*args, job_id=job_id, **kwargs)


def is_job_live(job_id: str) -> bool:
    """True while RQ still holds the job as queued, scheduled for retry, or running."""
    try:
        status = Job.fetch(job_id, connection=connection()).get_status(refresh=False)
    except NoSuchJobError:
        return False
    return status in ("queued", "started", "scheduled", "deferred")


def job_exists(job_id: str) -> bool:
    """True while RQ holds the job in any state, the failed registry included."""
    return Job.exists(job_id, connection=connection())


def job_id(name: str, *key) -> str:
    """The stable RQ id of job `name` for `key` (`job_id("dsar.export", 7)` is "dsar-export-7"): the same
    work always gets the same id, so RQ never holds two copies and a sweeper can tell it is there."""
    return "-".join([name.replace(".", "-"), *(str(part) for part in key)])


def try_enqueue(name: str, *args, key: tuple | None = None) -> bool:
    """Best effort, after the commit that made the work due: enqueue job `name` (under `job_id(name,
    *key)`, or a fresh id when `key` is None). If Redis does not answer, log it and return False: the
    change stands, and the domain's sweeper finds the row and enqueues it later."""
    try:
        enqueue(name, *args, job_id=None if key is None else job_id(name, *key))
        return True
    except Exception:
        log.exception("could not enqueue %s %s; its sweeper will", name, key or args)
        return False


def enqueue_unless_present(name: str, *args, key: tuple) -> bool:
    """For sweepers: enqueue job `name` under `job_id(name, *key)` unless RQ still holds a job of that
    id in any state — queued, running, waiting for a retry, or failed for good (that one waits in the
    failed registry for ops, who see why and requeue it). True when enqueued."""
    if job_exists(job_id(name, *key)):
        return False
    enqueue(name, *args, job_id=job_id(name, *key))
    return True


def fetch_job(job_id: str):
    """RQ's view of a job as (status, last sign of life), or None when RQ holds no job of that id.

    The last sign of life is its last heartbeat, else its start (UTC-aware, None before it started).
    Raises when Redis cannot be reached."""
    from datetime import UTC

    try:
        job = Job.fetch(job_id, connection=connection())
    except NoSuchJobError:
        return None
    beat = job.last_heartbeat or job.started_at
    if beat is not None and beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return job.get_status(refresh=False), beat


def forget_started(job_id: str) -> None:
    """Drop every run of `job_id` from RQ's started registries (a run whose worker died), so RQ's own
    later clean-up of that run does not retry the job once more."""
    from rq.registry import StartedJobRegistry

    redis = connection()
    for name in QUEUES:
        key = StartedJobRegistry(queue=queue(name), connection=redis).key
        for raw in redis.zrange(key, 0, -1):  # members are "<job id>:<execution id>"
            entry = raw.decode() if isinstance(raw, bytes) else raw
            if entry == job_id or entry.startswith(job_id + ":"):
                redis.zrem(key, raw)
