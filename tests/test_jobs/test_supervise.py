"""`flask worker` and `flask scheduler` against dependencies that are not there (yet).

Each test owns a private redis-server on a free port (never the machine's shared one) and starts it
only after the process has said, in one plain line, that it cannot reach Redis.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(LEVQOR_ENV="development", INSTANCE_PATH=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'levqor.db'}", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def _start(cmd: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *cmd], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_until(proc: subprocess.Popen, needle: str, timeout: float = 30) -> str:
    seen, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"never printed {needle!r}; output was:\n{seen}")


@pytest.fixture
def private_redis():
    """A redis-server of our own, started on demand; stopped at the end of the test."""
    port = free_port()
    procs = []

    def start():
        procs.append(subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL))
        wait_for_port(port)

    yield port, start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


@pytest.mark.server_only
@pytest.mark.parametrize("command", [["worker", "--burst"], ["scheduler", "--burst"]])
def test_waits_for_redis_with_a_plain_message_then_runs(tmp_path, private_redis, command):
    port, start_redis = private_redis
    proc = _start(command, _env(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0"))
    try:
        first = _read_until(proc, f"127.0.0.1:{port}")  # one plain line naming Redis and where it was sought
        assert "Redis" in first.splitlines()[-1]
        assert proc.poll() is None  # still alive, waiting
        start_redis()
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, first + rest
    assert "Traceback" not in first + rest
    assert "dependencies are back" in rest
    assert "Scheduler for" not in rest  # a burst forks no RQ scheduler child: it enqueued what was due


@pytest.mark.server_only
def test_worker_names_an_unreachable_database_and_keeps_waiting(tmp_path, private_redis):
    redis_port, start_redis = private_redis
    start_redis()
    db_port = free_port()  # nothing listens here
    env = _env(tmp_path, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
               DATABASE_URL=f"postgresql://postgres@127.0.0.1:{db_port}/levqor")
    proc = _start(["worker", "--burst"], env)
    try:
        out = _read_until(proc, "is not reachable")  # one line when the outage starts, not one per try
        assert f"the database at 127.0.0.1:{db_port} is not reachable" in out
        assert "Traceback" not in out
        time.sleep(4)  # past the 1 s and 2 s back-off: still waiting, not exited
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.server_only
def test_a_stop_that_reaches_the_scheduler_child_before_its_own_handlers_ends_it_cleanly(private_redis, monkeypatch):
    """RQ forks the retry scheduler with the worker's SIGTERM handler still installed, and stop_scheduler
    sends SIGTERM at once when a short run ends. Here the signal lands in that window every time: the
    child signals itself just before installing its handlers. It must stop as a scheduler (locks released,
    exit 0), not run the worker's shutdown and die with a traceback."""
    import multiprocessing
    import signal

    from redis import Redis
    from rq.scheduler import RQScheduler

    from jobs.supervise import SurvivingWorker

    port, start_redis = private_redis
    start_redis()
    connection = Redis(port=port)
    worker = SurvivingWorker(["mail"], connection=connection)
    install = RQScheduler._install_signal_handlers

    def signalled_first(scheduler):
        os.kill(os.getpid(), signal.SIGTERM)
        install(scheduler)

    monkeypatch.setattr(RQScheduler, "_install_signal_handlers", signalled_first)
    previous = signal.signal(signal.SIGTERM, worker.request_stop)  # as Worker.work() installs it
    try:
        worker.scheduler = RQScheduler(worker.queues, connection=connection)
        assert worker.scheduler.acquire_locks(auto_start=True) == {"mail"}
        child: multiprocessing.Process = worker.scheduler._process
        child.join(30)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert child.exitcode == 0
    assert not connection.exists("rq:scheduler-lock:mail")  # the stopping scheduler gave its lock back
    assert worker._shutdown_requested_date is None  # and this worker was never asked to stop
