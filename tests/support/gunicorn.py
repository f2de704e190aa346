"""The production web server for tests that must see the real stack: `gunicorn wsgi:app` in a subprocess,
two worker processes, on the test's PostgreSQL and Redis, with the production Config and its default
limits (nothing from TestConfig but the database, Redis and a secret key)."""
from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.services import free_port
from tests.support.worker import ROOT, worker_env


@dataclass
class Gunicorn:
    url: str
    access_log: Path
    process: subprocess.Popen

    def session(self) -> requests.Session:
        return requests.Session()

    def log_text(self) -> str:
        time.sleep(0.3)  # gunicorn writes the access line after the response
        return self.access_log.read_text()


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


@pytest.fixture(scope="module")
def gunicorn_server(app, tmp_path_factory):
    """Module-scoped: one server for a test module (its data is committed, see @pytest.mark.committed)."""
    port = free_port()
    logs = tmp_path_factory.mktemp("gunicorn")
    access_log = logs / "access.log"
    env = worker_env(app, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    for name in ("LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_CLIENT", "PROXY_COUNT"):
        env.pop(name, None)  # the defaults are what is under test
    cmd = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2",
           "--threads", "2", "--access-logfile", str(access_log), "--error-logfile", str(logs / "error.log")]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(f"http://127.0.0.1:{port}", process)
        yield Gunicorn(f"http://127.0.0.1:{port}", access_log, process)
    finally:
        process.terminate()
        process.wait(timeout=20)
