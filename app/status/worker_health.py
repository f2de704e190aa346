"""Worker health for the `workflows` component, judged from outside the worker that runs the check.

The snapshot job itself runs on a worker of the `status` queue, so "is some worker alive?" is always
yes from in there. Instead every queue (tasks.QUEUES) is judged by the workers that listen to *it*
and by how long its oldest job has been waiting:

| per queue                                                      | level    | reason          |
|----------------------------------------------------------------|----------|-----------------|
| jobs waiting and no live worker                                 | down     | `no_worker`     |
| oldest queued job older than STATUS_QUEUE_AGE_DOWN (30 min)     | down     | `queue_backlog` |
| no live worker, nothing waiting (the next job would wait)       | degraded | `no_worker`     |
| oldest queued job older than STATUS_QUEUE_AGE_DEGRADED (10 min) | degraded | `queue_backlog` |
| otherwise                                                       | up       |                 |

The component is the worst queue; `info.queue` names it. A worker is live when its RQ heartbeat is
younger than its own worker_ttl + 60 s (RQ's own expiry for the worker key): an idle worker beats every
worker_ttl - 15 s, a busy one every 30 s.

Embedded mode (no REDIS_URL): the in-process runtime thread (jobs/worker.py EmbeddedRuntime) is the
worker for every queue. It registers itself in app.extensions and stamps a heartbeat on every loop and
before every job; it is live while its thread runs and the stamp is younger than
STATUS_RUNTIME_HEARTBEAT_SECONDS. No runtime in this process → `unknown`, never a made-up live worker.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from rq import Queue, Worker

from app.common import tasks
from app.models.status import LEVEL_RANK

RUNTIME_KEY = "levqor_embedded_runtime"


@dataclass
class QueueHealth:
    queue: str
    workers: int  # live workers listening to this queue
    queued: int
    oldest_seconds: int  # age of the oldest waiting job, 0 when none waits
    status: str = "up"
    reason: str | None = None

    def judge(self, degraded_after: int, down_after: int) -> QueueHealth:
        if self.queued and not self.workers:
            self.status, self.reason = "down", "no_worker"
        elif self.oldest_seconds >= down_after:
            self.status, self.reason = "down", "queue_backlog"
        elif not self.workers:
            self.status, self.reason = "degraded", "no_worker"
        elif self.oldest_seconds >= degraded_after:
            self.status, self.reason = "degraded", "queue_backlog"
        return self

    def message(self) -> str:
        if self.reason == "no_worker":
            waiting = f"{self.queued} job(s) waiting" if self.queued else "nothing waiting yet"
            return f"queue {self.queue}: no live worker ({waiting})"
        if self.reason == "queue_backlog":
            return f"queue {self.queue}: oldest queued job waited {self.oldest_seconds}s"
        return f"queue {self.queue}: ok"


@dataclass
class Verdict:
    status: str  # up | degraded | down | unknown
    reason: str | None
    message: str | None
    info: dict


def register_runtime(app, runtime) -> None:
    """Called by the embedded runtime when its thread starts (jobs/ owns the runtime, not services)."""
    app.extensions[RUNTIME_KEY] = runtime


def unregister_runtime(app, runtime) -> None:
    if app.extensions.get(RUNTIME_KEY) is runtime:
        del app.extensions[RUNTIME_KEY]


def assess(app, now: datetime | None = None) -> Verdict:
    """The workflows level with per-queue detail."""
    now = now or datetime.now(UTC)
    conn = tasks.connection(app)
    if app.config.get("EMBEDDED_QUEUE"):
        runtime = app.extensions.get(RUNTIME_KEY)
        if runtime is None:
            return Verdict("unknown", "not_configured", "embedded mode: no in-process worker runs here",
                           {"embedded": True, "runtime": "not running"})
        live = _runtime_live(app, runtime)
        counts = {name: int(live) for name in tasks.QUEUES}
        extra = {"embedded": True, "runtime": "running" if live else "stopped",
                 "runtime_heartbeat_age_seconds": int(time.time() - runtime.heartbeat)}
    else:
        live_workers = _live_workers(conn, now)
        counts, extra = _by_queue(live_workers), {}
    degraded_after = int(app.config.get("STATUS_QUEUE_AGE_DEGRADED", 600))
    down_after = int(app.config.get("STATUS_QUEUE_AGE_DOWN", 1800))
    queues = [_queue_health(conn, name, counts.get(name, 0), now).judge(degraded_after, down_after)
              for name in tasks.QUEUES]
    worst = max(queues, key=lambda q: LEVEL_RANK[q.status])
    info = extra | {
        "queues": {q.queue: asdict(q) for q in queues},
        "workers_alive": max(counts.values(), default=0) if extra else len(live_workers),
        "oldest_queued_seconds": max(q.oldest_seconds for q in queues),
    }
    if worst.status == "up":
        return Verdict("up", None, None, info)
    problems = [q for q in queues if q.status != "up"]
    info["queue"] = worst.queue
    return Verdict(worst.status, worst.reason, "; ".join(q.message() for q in problems), info)


def _runtime_live(app, runtime) -> bool:
    max_age = float(app.config.get("STATUS_RUNTIME_HEARTBEAT_SECONDS", 480))
    return runtime.is_alive() and time.time() - runtime.heartbeat <= max_age


def _live_workers(conn, now: datetime) -> list[Worker]:
    live = []
    for worker in Worker.all(connection=conn):
        beat = worker.last_heartbeat
        if beat is None:
            continue
        beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
        if now - beat <= timedelta(seconds=worker.worker_ttl + 60):
            live.append(worker)
    return live


def _by_queue(workers: list[Worker]) -> dict[str, int]:
    """How many live workers listen to each queue (a worker of `dsar default` counts for both)."""
    counts = {name: 0 for name in tasks.QUEUES}
    for worker in workers:
        for name in worker.queue_names():
            counts[name] = counts.get(name, 0) + 1
    return counts


def _queue_health(conn, name: str, workers: int, now: datetime) -> QueueHealth:
    queue = Queue(name, connection=conn)
    queued = queue.count
    oldest = 0
    for job_id in queue.get_job_ids(0, 4):  # the head; a few in case its job key has expired
        job = queue.fetch_job(job_id)
        if job is not None and job.enqueued_at is not None:
            enqueued = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=UTC)
            oldest = max(0, int((now - enqueued).total_seconds()))
            break
    return QueueHealth(name, workers, queued, oldest)
