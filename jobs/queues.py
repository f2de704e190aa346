"""Redis connection, queues and the @job declaration every job uses."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import current_app
from rq import Queue, Retry

QUEUES = ("dsar", "mail", "status", "default")


def get_connection(app=None):
    """Redis for REDIS_URL, or (embedded mode) an in-process fake Redis private to this app."""
    app = app or current_app
    ext = app.extensions
    if "levqor_redis" not in ext:
        if app.config.get("EMBEDDED_QUEUE"):
            import fakeredis

            ext["levqor_redis"] = fakeredis.FakeStrictRedis(server=fakeredis.FakeServer())
        else:
            from redis import Redis

            ext["levqor_redis"] = Redis.from_url(app.config["REDIS_URL"])
    return ext["levqor_redis"]


def get_queue(name: str = "default", app=None) -> Queue:
    return Queue(name, connection=get_connection(app))


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int
    retry_intervals: tuple[int, ...]
    result_ttl: int
    ttl: int | None
    failure_ttl: int


def job(queue: str, *, timeout: int = 300, retry_intervals: tuple[int, ...] = (),
        result_ttl: int = 3600, ttl: int | None = 24 * 3600, failure_ttl: int = 7 * 24 * 3600):
    """Declare a job: where it runs, how long it may take, how it retries.

    The wrapped function gets `.enqueue(*args, job_id=None)` and `.spec`. After every run the
    SQLAlchemy session is removed so one worker never leaks state from one job into the next.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")
    spec = JobSpec(queue, timeout, tuple(retry_intervals), result_ttl, ttl, failure_ttl)

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def run(*args, **kwargs):
            from app.extensions import db

            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

        def enqueue(*args, job_id: str | None = None, **kwargs):
            retry = Retry(max=len(spec.retry_intervals), interval=list(spec.retry_intervals)) \
                if spec.retry_intervals else None
            return get_queue(spec.queue).enqueue(
                run, args=args, kwargs=kwargs, job_id=job_id, job_timeout=spec.timeout, retry=retry,
                result_ttl=spec.result_ttl, ttl=spec.ttl, failure_ttl=spec.failure_ttl,
            )

        run.spec = spec
        run.enqueue = enqueue
        return run

    return decorate


def is_job_live(job_id: str) -> bool:
    """True while RQ still holds the job as queued, scheduled for retry, or running."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        status = Job.fetch(job_id, connection=get_connection()).get_status(refresh=False)
    except NoSuchJobError:
        return False
    return status in ("queued", "started", "scheduled", "deferred")
