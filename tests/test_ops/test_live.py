"""The production processes on one machine: `gunicorn wsgi:app` with two workers and a real `flask worker`
sharing one PROMETHEUS_MULTIPROC_DIR, with LOG_FORMAT=json. /metrics sums every process; every request
and job leaves one JSON line carrying its request or job id."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.gunicorn import _wait_ready
from tests.support.services import free_port
from tests.support.worker import ROOT, run_flask_worker, worker_env
from tests.test_ops.test_metrics import samples

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


@pytest.fixture(scope="module")
def ops_stack(app, tmp_path_factory):
    base = tmp_path_factory.mktemp("ops")
    port = free_port()
    env = worker_env(app, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", PROMETHEUS_MULTIPROC_DIR=base / "prom",
                     LOG_FORMAT="json")
    stderr = (base / "stderr.log").open("w")
    cmd = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2",
           "--threads", "2"]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                               start_new_session=True)
    try:
        _wait_ready(f"http://127.0.0.1:{port}", process)
        yield {"url": f"http://127.0.0.1:{port}", "env": env, "log": base / "stderr.log", "dir": base / "prom"}
    finally:
        process.send_signal(signal.SIGINT)  # quick shutdown: nothing here needs a graceful drain
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine: end the master and its workers at once
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        stderr.close()


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_every_process_counts_and_each_job_is_one_json_line(app, ops_stack):
    from app.common import tasks

    url = ops_stack["url"]
    before = samples(requests.get(f"{url}/metrics", timeout=10).text)
    key = ("levqor_http_requests_total", ("method", "GET"), ("route", "/api/status"), ("status", "200"))
    with ThreadPoolExecutor(8) as pool:  # fresh connections, so both gunicorn workers answer some
        codes = list(pool.map(lambda _: requests.get(f"{url}/api/status", timeout=20).status_code, range(40)))
    assert codes == [200] * 40
    jobs = [tasks.enqueue("dsar.expire") for _ in range(2)]
    proc = run_flask_worker(app, "dsar", PROMETHEUS_MULTIPROC_DIR=ops_stack["dir"], LOG_FORMAT="json")

    after = samples(requests.get(f"{url}/metrics", timeout=10).text)
    assert after[key] - before.get(key, 0) == 40
    assert after[("levqor_job_runs_total", ("job", "dsar.expire"), ("outcome", "success"))] == 2
    assert after[("levqor_job_duration_seconds_count", ("job", "dsar.expire"), ("outcome", "success"))] == 2
    files = sorted(p.name for p in ops_stack["dir"].glob("counter_*.db"))
    assert len([f for f in files if re.fullmatch(r"counter_\d+\.db", f)]) == 2, files  # the two web workers
    assert len([f for f in files if f.endswith("h.db")]) == 1, files  # two horses of one worker: one file
    # ...and each job run is one JSON line naming the job and its RQ id.
    done = [line for line in json_lines(proc.stdout + proc.stderr) if line["logger"] == "levqor.job"]
    assert sorted(line["job_id"] for line in done) == sorted(job.id for job in jobs)
    assert {(line["job"], line["outcome"]) for line in done} == {("dsar.expire", "success")}
    assert all(line["duration_ms"] >= 0 and line["time"].endswith("Z") for line in done)


def test_each_request_is_one_json_line_with_its_request_id(ops_stack, make_user):
    url = ops_stack["url"]
    given = requests.get(f"{url}/api/dsar/exports", headers={"X-Request-ID": "lb-7f3a9c"}, timeout=10)
    assert given.status_code == 401 and given.headers["X-Request-ID"] == "lb-7f3a9c"
    made = requests.get(f"{url}/api/status", timeout=10).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    hostile = requests.get(f"{url}/healthz", headers={"X-Request-ID": "x" * 300}, timeout=10)
    assert hostile.headers["X-Request-ID"] != "x" * 300  # not echoed: a fresh id instead
    make_user("json-log@example.com", "json-log-password")
    http = requests.Session()
    assert http.post(f"{url}/api/auth/login", json={"email": "json-log@example.com",
                                                    "password": "json-log-password"}, timeout=10).status_code == 200
    me = http.get(f"{url}/api/auth/me", timeout=10)
    user_id = me.json()["user"]["id"]

    lines = json_lines(ops_stack["log"].read_text())
    requests_logged = [line for line in lines if line["logger"] == "levqor.request"]
    first = next(line for line in requests_logged if line["request_id"] == "lb-7f3a9c")
    assert first["route"] == "/api/dsar/exports" and first["status"] == 401 and first["method"] == "GET"
    assert first["level"] == "info" and first["time"].endswith("Z") and first["duration_ms"] >= 0
    assert first["user_id"] is None
    assert any(line["request_id"] == made and line["route"] == "/api/status" for line in requests_logged)
    mine = next(line for line in requests_logged if line["request_id"] == me.headers["X-Request-ID"])
    assert mine["user_id"] == user_id and mine["route"] == "/api/auth/me"
    assert "json-log-password" not in ops_stack["log"].read_text()
