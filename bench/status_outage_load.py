"""Load on the status page while PostgreSQL is down (issue 10): run by hand, prints numbers.

Starts a private PostgreSQL cluster (initdb on a free port, as the tests do), migrates it, seeds 24 h
of 5-minute snapshots, starts gunicorn (4 workers) against it and Redis, and runs wrk on /status,
/api/status and /healthz: once with the database up, then again after stopping it and letting the
status cache expire, so every rebuild during the outage goes through the fallbacks. Every public
status surface is measured, each run paired with a /healthz run on the same gunicorn; the cache
generation is bumped every INVALIDATE_SECONDS meanwhile (as the snapshot job does each minute).

Usage: .venv/bin/python bench/status_outage_load.py
       (env: REDIS_URL, DURATION, ROUNDS, CONNECTIONS, PATHS, INVALIDATE_SECONDS, TOGETHER, GZIP)
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.private import PrivatePostgres  # noqa: E402
from tests.support.services import free_port, wait_for_port  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
DURATION = os.environ.get("DURATION", "10s")
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONNECTIONS = os.environ.get("CONNECTIONS", "32")
# e.g. GZIP=1: ask as browsers do (Accept-Encoding: gzip); by default wrk takes every body uncompressed
GZIP = os.environ.get("GZIP", "0") == "1"
WRK_TIMEOUT = os.environ.get("WRK_TIMEOUT", "10s")  # a slow answer on a crowded machine is not an error
# 1: the surface and /healthz at once (beware: a shared FIFO of workers then gives both the same req/s
# whatever each costs; only the CPU per request tells them apart)
TOGETHER = os.environ.get("TOGETHER", "0") == "1"
INVALIDATE_SECONDS = float(os.environ.get("INVALIDATE_SECONDS", "10"))  # 0: no invalidations
PATHS = tuple(os.environ.get("PATHS", " ".join((
    "/status", "/api/status", "/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
    "/api/v2/incidents.json", "/status/feed.atom", "/status/feed.rss", "/status/badge.svg", "/healthz"))).split())


MASTER: list[int] = []  # gunicorn's master pid, set in main()


def worker_cpu_seconds() -> float:
    """User + system CPU of gunicorn's workers so far (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in Path(f"/proc/{MASTER[0]}/task/{MASTER[0]}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wrk(base: str, path: str) -> tuple[float, str, str, float]:
    """(req/s, p99, errors, worker CPU ms per request) of one wrk run."""
    cpu = worker_cpu_seconds()
    ask = ["-H", "Accept-Encoding: gzip"] if GZIP else []
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--timeout", WRK_TIMEOUT, "--latency",
                          *ask, base + path], capture_output=True, text=True, check=True).stdout
    cpu = worker_cpu_seconds() - cpu
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p99 = re.search(r"\s99%\s+(\S+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = int(errors.group(1) if errors else 0) + (sum(int(n) for n in socket.groups()) if socket else 0)
    return rps, p99, str(failed), 1000 * cpu / max(requests, 1)


def measure(base: str, label: str) -> list[tuple]:
    """ROUNDS rounds; in each, every surface is run right before or after (alternating) a /healthz run
    on the same gunicorn. Prints and returns per surface: mean req/s, mean of the paired /healthz, the
    ratio and the worst pair, and, steadier on a shared machine where neighbours swing req/s, the
    workers' CPU per request (from /proc) as a capacity ratio to /healthz; and errors."""
    surfaces = [p for p in PATHS if p != "/healthz"]
    pairs: dict[str, list] = {path: [] for path in surfaces}
    for round_no in range(ROUNDS):
        for path in surfaces:
            if TOGETHER:  # both at once, 32 connections each: the same machine load for both, to the ms
                with ThreadPoolExecutor(2) as pool:
                    mine, health = pool.submit(wrk, base, path), pool.submit(wrk, base, "/healthz")
                    pairs[path].append((mine.result(), health.result()))
                continue
            first, second = (path, "/healthz") if round_no % 2 else ("/healthz", path)
            results = {first: wrk(base, first), second: wrk(base, second)}
            pairs[path].append((results[path], results["/healthz"]))
    rows = []
    for path, runs in pairs.items():
        rps = sum(r[0] for r, _ in runs) / ROUNDS
        health = sum(h[0] for _, h in runs) / ROUNDS
        worst = min(r[0] / h[0] for r, h in runs)
        cpu = sum(r[3] for r, _ in runs) / ROUNDS
        capacity = sum(h[3] for _, h in runs) / ROUNDS / cpu  # /healthz's CPU per request over the surface's
        errors = sum(int(r[2]) for r, _ in runs)  # of the surface; /healthz's are printed apart
        health_errors = sum(int(h[2]) for _, h in runs)
        p99 = " / ".join(r[1] for r, _ in runs)
        rows.append((label, path, rps, health, rps / health, worst, capacity, errors))
        print(f"[{label}] {path:<26} {rps:6.0f} req/s  /healthz {health:6.0f}  {rps / health:.2f} x "
              f"(worst pair {worst:.2f} x)  CPU {cpu:.2f} ms/req = {capacity:.2f} x /healthz's capacity  "
              f"errors {errors} (/healthz {health_errors})  p99 {p99}", flush=True)
    return rows


class Invalidator(threading.Thread):
    """What the snapshot job does every minute (here every INVALIDATE_SECONDS): bump the status cache
    generation, so every surface must be rebuilt while the load runs."""

    def __init__(self, every: float):
        super().__init__(daemon=True)
        self.every, self.stopped, self.count = every, threading.Event(), 0

    def run(self) -> None:
        import redis

        conn = redis.Redis.from_url(REDIS_URL)
        while not self.stopped.wait(self.every):
            conn.incr("levqor:status-cache:generation")
            self.count += 1


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
        MASTER.append(gunicorn.pid)
        base = f"http://127.0.0.1:{port}"
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "status", "snapshot"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        for path in PATHS:
            urllib.request.urlopen(base + path).read()
        invalidator = Invalidator(INVALIDATE_SECONDS) if INVALIDATE_SECONDS > 0 else None
        if invalidator:
            invalidator.start()
        measure(base, "database up  ")
        cluster.stop()
        time.sleep(8)  # past the cache TTL: every rebuild now meets a dead database
        for path in PATHS:
            with urllib.request.urlopen(base + path) as res:
                assert res.status == 200, (path, res.status)
        measure(base, "database down")
        if invalidator:
            invalidator.stopped.set()
            print(f"cache generation bumped {invalidator.count} times during the runs")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=20)
        cluster.close()


if __name__ == "__main__":
    main()
