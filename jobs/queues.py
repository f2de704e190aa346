"""The @job declaration every job uses, and the registry of jobs by id that the app enqueues by.

Services never import this package: they call `app.common.tasks.enqueue("<job id>", …)`, and
`jobs.init_app` hands this registry to the app.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import current_app
from rq import Retry, get_current_job

from app.common import jsonlog
from app.common.tasks import QUEUES, queue
from app.extensions import db

REGISTRY: dict[str, DeclaredJob] = {}

# Mail retries: often at first, so a relay back after a short outage (a restart, a deploy) gets the
# mail within two minutes of its return for outages up to ~10 minutes; then backing off, for ~3 hours
# in all (cumulative: 10 s, 40 s, 1m40, 2m40, 3m40, 5m40, 7m40, 9m40, 11m40, 16m40, 26m40, 41m40, 1h12,
# 2h12, 3h12). `emailed_at` is set only once the relay accepted the message.
MAIL_RETRY_INTERVALS = (10, 30, 60, 60, 60, 120, 120, 120, 120, 300, 600, 900, 1800, 3600, 3600)


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int | str  # seconds, or the name of an app setting read when the job is enqueued
    retry_intervals: tuple[int, ...] | str  # seconds, or the name of a setting holding them
    result_ttl: int
    ttl: int | None
    failure_ttl: int

    def timeout_seconds(self) -> int:
        if isinstance(self.timeout, str):
            return int(current_app.config[self.timeout])
        return self.timeout

    def intervals(self) -> tuple[int, ...]:
        if isinstance(self.retry_intervals, str):
            return tuple(int(s) for s in current_app.config[self.retry_intervals])
        return self.retry_intervals


@dataclass(frozen=True)
class DeclaredJob:
    name: str
    func: Callable
    spec: JobSpec

    def enqueue(self, *args, job_id: str | None = None, **kwargs):
        spec = self.spec
        intervals = spec.intervals()
        retry = Retry(max=len(intervals), interval=list(intervals)) if intervals else None
        return queue(spec.queue).enqueue(
            self.func, args=args, kwargs=kwargs, job_id=job_id, job_timeout=spec.timeout_seconds(),
            retry=retry, result_ttl=spec.result_ttl, ttl=spec.ttl, failure_ttl=spec.failure_ttl,
        )


def job(name: str, *, queue: str, timeout: int | str = 300, retry_intervals: tuple[int, ...] | str = (),
        result_ttl: int = 3600, ttl: int | None = 24 * 3600, failure_ttl: int = 7 * 24 * 3600):
    """Declare job `name`: where it runs, how long it may take (seconds or a setting's name), how it
    retries. Each run is counted and timed by outcome (app/common/metrics.py) and its log lines carry the
    job id (app/common/jsonlog.py). After every run the SQLAlchemy session is removed, so one worker never
    leaks state from one job into the next."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")
    intervals = retry_intervals if isinstance(retry_intervals, str) else tuple(retry_intervals)
    spec = JobSpec(queue, timeout, intervals, result_ttl, ttl, failure_ttl)

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def run(*args, **kwargs):
            current = get_current_job()
            try:
                with jsonlog.job_scope(name, current.id if current is not None else None):
                    return func(*args, **kwargs)
            finally:
                db.session.remove()

        if name in REGISTRY:
            raise ValueError(f"job {name} declared twice")
        declared = DeclaredJob(name, run, spec)
        REGISTRY[name] = declared
        run.spec = spec
        run.job_name = name
        run.enqueue = declared.enqueue
        return run

    return decorate
