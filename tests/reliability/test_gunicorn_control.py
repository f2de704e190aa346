"""Two gunicorns on one host each get their own control socket (issue 28), from GUNICORN_CONTROL_SOCKET;
without it the control socket is off, so no two instances ever share gunicorn's default path."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.support.gunicorn import _wait_ready
from tests.support.services import free_port
from tests.support.worker import ROOT, worker_env

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def _gunicorn(app, **env) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1"], cwd=ROOT, env=worker_env(app, **env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_ready(f"http://127.0.0.1:{port}", proc)
    return proc, f"http://127.0.0.1:{port}"


def test_two_instances_have_their_own_control_sockets(app, tmp_path):
    first_ctl, second_ctl = tmp_path / "web-a.ctl", tmp_path / "web-b.ctl"
    first, _ = _gunicorn(app, GUNICORN_CONTROL_SOCKET=first_ctl)
    second, _ = _gunicorn(app, GUNICORN_CONTROL_SOCKET=second_ctl)
    plain, _ = _gunicorn(app)
    try:
        deadline = time.monotonic() + 10
        while not (first_ctl.is_socket() and second_ctl.is_socket()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert first_ctl.is_socket() and second_ctl.is_socket()
    finally:
        for proc in (first, second, plain):
            proc.terminate()
        logs = "".join(proc.communicate(timeout=20)[1] for proc in (first, second, plain))
    assert "control" not in logs.lower() or "error" not in logs.lower(), logs[-2000:]
