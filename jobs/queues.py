"""The @job declaration every job uses, and the registry of jobs by id that the app enqueues by.

Services never import this package: they call `app.services.tasks.enqueue("<job id>", …)`, and
`jobs.init_app` hands this registry to the app.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import current_app
from rq import Retry

from app.extensions import db
from app.services.tasks import QUEUES, queue

REGISTRY: dict[str, DeclaredJob] = {}


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int | str  # seconds, or the name of an app setting read when the job is enqueued
    retry_intervals: tuple[int, ...]
    result_ttl: int
    ttl: int | None
    failure_ttl: int

    def timeout_seconds(self) -> int:
        if isinstance(self.timeout, str):
            return int(current_app.config[self.timeout])
        return self.timeout


@dataclass(frozen=True)
class DeclaredJob:
    name: str
    func: Callable
    spec: JobSpec

    def enqueue(self, *args, job_id: str | None = None, **kwargs):
        spec = self.spec
        retry = Retry(max=len(spec.retry_intervals), interval=list(spec.retry_intervals)) \
            if spec.retry_intervals else None
        return queue(spec.queue).enqueue(
            self.func, args=args, kwargs=kwargs, job_id=job_id, job_timeout=spec.timeout_seconds(),
            retry=retry, result_ttl=spec.result_ttl, ttl=spec.ttl, failure_ttl=spec.failure_ttl,
        )


def job(name: str, *, queue: str, timeout: int | str = 300, retry_intervals: tuple[int, ...] = (),
        result_ttl: int = 3600, ttl: int | None = 24 * 3600, failure_ttl: int = 7 * 24 * 3600):
    """Declare job `name`: where it runs, how long it may take (seconds or a setting's name), how it
    retries. After every run the SQLAlchemy session is removed, so one worker never leaks state from
    one job into the next."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")
    spec = JobSpec(queue, timeout, tuple(retry_intervals), result_ttl, ttl, failure_ttl)

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def run(*args, **kwargs):
            try:
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
