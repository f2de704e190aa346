"""Run the real `flask --app wsgi worker --burst` in a subprocess against the test's services."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# app.config key → environment variable the production Config reads.
ENV_MAP = {
    "SQLALCHEMY_DATABASE_URI": "DATABASE_URL",
    "REDIS_URL": "REDIS_URL",
    "SECRET_KEY": "SECRET_KEY",
    "PUBLIC_BASE_URL": "PUBLIC_BASE_URL",
    "STORAGE_BACKEND": "STORAGE_BACKEND",
    "STORAGE_LOCAL_DIR": "STORAGE_LOCAL_DIR",
    "S3_BUCKET": "S3_BUCKET",
    "S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_OUTBOX_DIR": "MAIL_OUTBOX_DIR",
    "STRIPE_API_KEY": "STRIPE_API_KEY",
    "STRIPE_API_BASE": "STRIPE_API_BASE",
}


def worker_env(app, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ENV_MAP.values()}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the test process's own metric files; a child gets the default
    for key, var in ENV_MAP.items():
        value = app.config.get(key)
        if value not in (None, ""):
            env[var] = str(value)
    env["LEVQOR_ENV"] = "test"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_flask_worker(app, *queues: str, timeout: float = 120, **extra_env) -> subprocess.CompletedProcess:
    """Drain the given queues (all when none) with a real worker process and return its output."""
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", *queues]
    proc = subprocess.run(cmd, cwd=ROOT, env=worker_env(app, **extra_env), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def procfile_command(process: str) -> list[str]:
    """The Procfile's command for `process`, run with this interpreter's flask."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            args = command.split()
            assert args[0] == "flask", line
            return [sys.executable, "-m", "flask", *args[1:]]
    raise LookupError(f"no {process} process in the Procfile")


@contextlib.contextmanager
def procfile_worker(app, process: str, wait_for_queues: tuple[str, ...] = (), **extra_env):
    """Run the Procfile's `process` (a long-running `flask worker`) until the block ends, then kill its
    process group (the worker and any work horse it forked)."""
    from rq import Worker

    from app.common.redis import client as connection

    proc = subprocess.Popen(procfile_command(process), cwd=ROOT, env=worker_env(app, **extra_env),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90  # a loaded CI machine can take a while to import the app
        while wait_for_queues and time.monotonic() < deadline:
            listening = {q for w in Worker.all(connection=connection(app)) for q in w.queue_names()}
            if set(wait_for_queues) <= listening:
                break
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.2)
        else:
            if wait_for_queues:
                raise AssertionError(f"{process} did not register for {wait_for_queues}")
        yield proc
    finally:
        for pid in [proc.pid, *_children(proc.pid)]:  # RQ's work horse runs in a process group of its own
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[1]) == pid:  # the field after the state is the parent's pid
                found.append(int(stat.parent.name))
    return found


def fail_first_call(marker: str) -> str:
    """A job body that fails once (leaving `marker`) and succeeds when retried: for RQ Retry tests."""
    if not os.path.exists(marker):
        Path(marker).write_text("failed once")
        raise RuntimeError("the first attempt fails on purpose")
    return "retried"
