"""The real `flask worker` and `flask scheduler` processes survive Redis going away and coming back
empty: neither exits, each logs the outage once, the scheduler registers every periodic job again
exactly once, the worker is listed as alive again, and work queued afterwards gets done."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from redis import Redis
from rq import Worker

from jobs.schedule import ID_PREFIX, PERIODIC_JOBS, make_scheduler
from tests.support.worker import ROOT, worker_env

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def start(app, redis_url: str, *args: str) -> subprocess.Popen:
    env = worker_env(app, REDIS_URL=redis_url, PYTHONUNBUFFERED=1)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.stdout.read()


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:  # Redis still coming up
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout}s: {what}")


def periodic_ids(redis: Redis) -> list[str]:
    return sorted(j.id for j in make_scheduler(redis).get_jobs() if j.id.startswith(ID_PREFIX))


def test_scheduler_and_worker_outlive_a_redis_restart_that_loses_everything(app, private_redis):
    expected = sorted(ID_PREFIX + p.id for p in PERIODIC_JOBS)
    redis = Redis.from_url(private_redis.url)
    scheduler = start(app, private_redis.url, "scheduler", "--interval", "1")
    worker = start(app, private_redis.url, "worker", "mail")
    try:
        wait_until(lambda: periodic_ids(redis) == expected, 30, "periodic jobs registered")
        wait_until(lambda: len(Worker.all(connection=redis)) == 1, 30, "worker registered")

        private_redis.stop()
        time.sleep(4)
        assert scheduler.poll() is None and worker.poll() is None, "a process exited on a Redis outage"
        private_redis.start()  # back, with nothing in it

        wait_until(lambda: periodic_ids(redis) == expected, 40, "periodic jobs registered again")
        wait_until(lambda: len(Worker.all(connection=redis)) == 1, 40, "worker listed as alive again")
        time.sleep(2)
        assert periodic_ids(redis) == expected  # once each, not doubled

        from app.common import tasks

        queued = tasks.queue("mail", app=_app_on(app, private_redis.url)).enqueue("builtins.len", "ok")
        wait_until(lambda: queued.refresh() or queued.get_status() == "finished", 30, "job after the outage")
    finally:
        scheduler_log, worker_log = stop(scheduler), stop(worker)
    assert scheduler_log.count("scheduler: queue unavailable") == 1, scheduler_log[-3000:]
    assert "dependencies are back" in scheduler_log
    assert "Traceback" not in scheduler_log, scheduler_log[-3000:]
    # Either RQ's own dequeue loop rode out the outage and the worker registered itself again on its next
    # heartbeat, or the outage surfaced elsewhere in RQ and the supervisor started a fresh worker.
    assert worker_log.count("registering again") + worker_log.count("worker: queue unavailable") == 1, \
        worker_log[-3000:]


def _app_on(app, redis_url: str):
    """A throwaway app object whose tasks.connection() is the private Redis."""
    from flask import Flask

    other = Flask("probe")
    other.config.update(app.config, REDIS_URL=redis_url, EMBEDDED_QUEUE=False)
    return other
