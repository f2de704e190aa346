"""Load on the status page while PostgreSQL is down (issue 10): run by hand, prints numbers.

Starts a private PostgreSQL cluster (initdb on a free port, as the tests do), migrates it, seeds 24 h
of 5-minute snapshots, starts gunicorn (4 workers) against it and Redis, and runs wrk on /status,
/api/status and /healthz: once with the database up, then again after stopping it and letting the
status cache expire, so every rebuild during the outage goes through the fallbacks.

Usage: .venv/bin/python bench/status_outage_load.py   (env: REDIS_URL, DURATION, CONNECTIONS)
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.private import PrivatePostgres  # noqa: E402
from tests.support.services import free_port, wait_for_port  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
DURATION = os.environ.get("DURATION", "10s")
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONNECTIONS = os.environ.get("CONNECTIONS", "32")
PATHS = tuple(os.environ.get("PATHS", " ".join((
    "/status", "/api/status", "/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
    "/api/v2/incidents.json", "/status/feed.atom", "/status/feed.rss", "/status/badge.svg", "/healthz"))).split())


def wrk(base: str, path: str) -> tuple[float, str, str]:
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", base + path],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"\s99%\s+(\S+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = int(errors.group(1) if errors else 0) + (sum(int(n) for n in socket.groups()) if socket else 0)
    return rps, p99, str(failed)


def measure(base: str, label: str) -> None:
    """ROUNDS interleaved rounds (a busy neighbour hits every path alike); mean req/s per path."""
    runs: dict[str, list] = {path: [] for path in PATHS}
    for _ in range(ROUNDS):
        for path in PATHS:
            runs[path].append(wrk(base, path))
    health = sum(r[0] for r in runs["/healthz"]) / ROUNDS
    for path, rows in runs.items():
        rps = sum(r[0] for r in rows) / ROUNDS
        p99 = " / ".join(r[1] for r in rows)
        errors = sum(int(r[2]) for r in rows)
        worst = min(r[0] / h[0] for r, h in zip(rows, runs["/healthz"], strict=True))
        print(f"[{label}] {path:<28} {rps:8.0f} req/s  p99 per round {p99:<26} errors {errors}  "
              f"({rps / health:.2f} x /healthz, worst round {worst:.2f} x)", flush=True)


def seed(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    url = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(["psql", url, "-qc", """
        INSERT INTO status_snapshots (ts, overall_status, api_status, frontend_status, db_status, stripe_status,
                                      workflows_status, details)
        SELECT ts, 'up', 'up', 'up', 'up', 'unknown', 'up', '{}'::jsonb
        FROM generate_series(now() - interval '24 hours', now(), interval '5 minutes') AS ts"""],
                   check=True, capture_output=True)


def main() -> None:
    cluster = PrivatePostgres()
    work = tempfile.mkdtemp(prefix="levqor-bench-")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": cluster.url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench-" + str(time.time()),
           "LEVQOR_ENV": "bench", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "INSTANCE_PATH": work,
           "STATUS_CACHE_TTL": "5"}
    gunicorn = None
    try:
        seed(env)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        gunicorn = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "wsgi:app", "--workers", "4", "--bind",
                                     f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env)
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "status", "snapshot"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        for path in PATHS:
            urllib.request.urlopen(base + path).read()
        measure(base, "database up  ")
        cluster.stop()
        time.sleep(8)  # past the cache TTL and grace: every rebuild now meets a dead database
        for path in PATHS:
            with urllib.request.urlopen(base + path) as res:
                assert res.status == 200, (path, res.status)
        measure(base, "database down")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=20)
        cluster.close()


if __name__ == "__main__":
    main()
