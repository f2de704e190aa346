"""Prometheus metrics in prometheus_client's multiprocess mode: every gunicorn worker, every RQ worker
and every work horse it forks writes its counters to files in PROMETHEUS_MULTIPROC_DIR, and /metrics
(app/api/ops.py) sums them at scrape time.

`setup(app)` must run before any metric exists (prometheus_client picks its value class when a metric
is built): it points the environment at the directory and builds the metrics once per process. The
figures read from PostgreSQL and Redis (queue depth, DSAR deadlines, …) are not stored here at all:
app/console/metrics.py computes them at each scrape.

A forked work horse writes to one file per *worker* (`<worker pid>h`), not one per horse pid: a worker
runs one horse at a time, so the files never clash, and a worker that ran 100,000 jobs leaves one file
instead of 100,000 (`as_work_horse_of`).
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import threading
from types import SimpleNamespace

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
JOB_BUCKETS = (0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_lock = threading.Lock()
_metrics: SimpleNamespace | None = None
_identity: dict[str, str | None] = {"override": None}


def _process_identity():
    return _identity["override"] or os.getpid()


def as_work_horse_of(worker_pid: int) -> None:
    """Called in a freshly forked work horse: write to the worker's horse file from now on."""
    _identity["override"] = f"{worker_pid}h"


def directory() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def setup(app) -> SimpleNamespace:
    """Build this process's metrics (once), in multiprocess mode on the app's PROMETHEUS_MULTIPROC_DIR."""
    global _metrics
    with _lock:
        if _metrics is None:
            path = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", app.config["PROMETHEUS_MULTIPROC_DIR"])
            os.makedirs(path, exist_ok=True)
            _metrics = _build()
    return _metrics


def _build() -> SimpleNamespace:
    from prometheus_client import Counter, Histogram, values

    values.ValueClass = values.MultiProcessValue(_process_identity)  # whatever imported the client first
    return SimpleNamespace(
        requests=Counter("levqor_http_requests_total", "HTTP requests answered, by route template and status",
                         ("method", "route", "status")),
        latency=Histogram("levqor_http_request_duration_seconds", "Time to answer, by route template and status",
                          ("method", "route", "status"), buckets=REQUEST_BUCKETS),
        jobs=Counter("levqor_job_runs_total", "Job runs by job id and outcome (success, error)",
                     ("job", "outcome")),
        job_seconds=Histogram("levqor_job_duration_seconds", "Job run time by job id and outcome",
                              ("job", "outcome"), buckets=JOB_BUCKETS),
    )


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    if _metrics is None:
        return
    labels = (method, route, str(status))
    _metrics.requests.labels(*labels).inc()
    _metrics.latency.labels(*labels).observe(seconds)


def observe_job(job: str, outcome: str, seconds: float) -> None:
    if _metrics is None:
        return
    _metrics.jobs.labels(job, outcome).inc()
    _metrics.job_seconds.labels(job, outcome).observe(seconds)


def exposition(*collectors) -> bytes:
    """The text exposition of every process's files plus `collectors` (computed now)."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if directory():
        MultiProcessCollector(registry)
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)


def may_scrape(token: str | None, authorization: str | None, remote_addr: str | None) -> bool:
    """With METRICS_TOKEN set, its bearer token is required from every address; unset, loopback only."""
    if token:
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    try:
        return ipaddress.ip_address(remote_addr or "").is_loopback
    except ValueError:
        return False
