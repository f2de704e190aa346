"""Cost of the workflows check (issue 10): per-queue worker heartbeats and the oldest job's age.

Registers WORKERS fake-free RQ worker records (real registrations with heartbeats) and JOBS queued jobs
per queue in a scratch Redis database, then times worker_health.assess() — what every 5-minute snapshot
runs for the Workflows component. Run by hand:

    .venv/bin/python bench/status_workers.py      (env: REDIS_URL, default redis://127.0.0.1:6379/5; WORKERS, JOBS)

The database is flushed before and after: point REDIS_URL at a database nobody else uses.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rq import Worker  # noqa: E402

from app import create_app  # noqa: E402
from app.common import tasks
from app.status import worker_health

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
WORKERS = int(os.environ.get("WORKERS", "20"))
JOBS = int(os.environ.get("JOBS", "1000"))


def main() -> None:
    app = create_app("config.TestConfig", REDIS_URL=REDIS_URL, EMBEDDED_QUEUE=False)
    with app.app_context():
        conn = tasks.connection(app)
        conn.flushdb()
        try:
            for i in range(WORKERS):
                worker = Worker(list(tasks.QUEUES[i % 2 * 2:i % 2 * 2 + 2]), connection=conn, name=f"bench-{i}")
                worker.register_birth()
                worker.heartbeat()
            for name in tasks.QUEUES:
                queue = tasks.queue(name)
                with conn.pipeline() as pipe:
                    for _ in range(JOBS):
                        queue.enqueue("builtins.print", "x", pipeline=pipe)
                    pipe.execute()
            times = []
            for _ in range(50):
                started = time.perf_counter()
                verdict = worker_health.assess(app)
                times.append((time.perf_counter() - started) * 1000)
            print(f"workers={WORKERS} queued/queue={JOBS} verdict={verdict.status}")
            print(f"assess(): median {statistics.median(times):.2f} ms, p95 "
                  f"{sorted(times)[int(len(times) * 0.95)]:.2f} ms, max {max(times):.2f} ms (50 runs)")
        finally:
            conn.flushdb()


if __name__ == "__main__":
    main()
