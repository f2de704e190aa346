"""Issue 28.5: RQ's retry scheduler (a child process of each worker) dies when Redis goes away; the worker
brings it back as soon as Redis answers again, so a job's Retry runs seconds after Redis returns instead of
at the worker's 10-minute maintenance. A real `flask worker` on a private redis-server that keeps its data
(append-only file), stopped and started again."""
from __future__ import annotations

import time

import pytest
from redis import Redis
from rq import Retry, Worker

from app.common import tasks
from tests.reliability.test_process_survival import _app_on, start, stop, wait_until
from tests.support.private import PrivateRedis

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


@pytest.fixture
def persistent_redis():
    redis = PrivateRedis()
    yield redis
    redis.close()


def test_a_retry_runs_within_seconds_of_redis_returning(app, persistent_redis, tmp_path):
    redis = Redis.from_url(persistent_redis.url)
    worker = start(app, persistent_redis.url, "worker", "mail")
    try:
        wait_until(lambda: redis.exists("rq:scheduler-lock:mail"), 60, "the worker's retry scheduler running")
        persistent_redis.stop()
        time.sleep(5)  # the scheduler child meets the outage and ends
        persistent_redis.start()
        back = time.monotonic()
        wait_until(lambda: len(Worker.all(connection=redis)) == 1, 60, "worker listening again")

        job = tasks.queue("mail", app=_app_on(app, persistent_redis.url)).enqueue(
            "tests.support.worker.fail_first_call", str(tmp_path / "failed-once"), retry=Retry(max=1, interval=2))
        wait_until(lambda: job.refresh() or job.get_status() == "finished", 45, "the retry after the outage")
        assert job.return_value() == "retried" and (tmp_path / "failed-once").exists()
        assert time.monotonic() - back < 75  # seconds after Redis returned, not the 10-minute maintenance
    finally:
        log = stop(worker)
    assert "retry scheduler started again" in log, log[-3000:]
