"""Fixtures for the status page tests: a clean status cache, config overrides that are restored,
snapshot factories and small local servers (one that accepts and never answers)."""
from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest


@pytest.fixture(autouse=True)
def _fresh_status_cache(app):
    """The embedded fake Redis lives as long as the session's app: start and end every test with a new
    cache generation. (This process's copies of live state only stand in for an unreachable Redis, and
    every test starts with an empty Redis.)"""
    from app.status import cache

    cache.invalidate()
    yield
    cache.invalidate()


@pytest.fixture
def fast_checks(configure, httpserver):
    """API and frontend pointed at a healthy local HTTP server; quick retry; generous thresholds so a
    busy test machine does not turn "up" into "degraded"."""
    httpserver.expect_request("/healthz").respond_with_json({"ok": True})
    httpserver.expect_request("/").respond_with_data("<html>ok</html>", content_type="text/html")
    configure(API_HEALTH_URL=httpserver.url_for("/healthz"), FRONTEND_HEALTH_URL=httpserver.url_for("/"),
              STATUS_CHECK_TIMEOUT=2, STATUS_CHECK_TIMEOUTS="", STATUS_RETRY_DELAY=0.1, STRIPE_API_KEY=None,
              STATUS_LATENCY_THRESHOLDS_MS="api:1500,frontend:1500,database:1500,stripe:1500,workflows:1500")
    return httpserver


class HungServer:
    """Accepts TCP connections and never sends a byte back."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.accepted = 0
        self._stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            self.accepted += 1

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/healthz"

    def close(self):
        self._stop = True
        self.thread.join(timeout=2)
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def hung_server():
    server = HungServer()
    yield server
    server.close()


@pytest.fixture
def add_snapshot():
    """add_snapshot(ts, api="up", ...): a committed snapshot row, like the job writes."""
    from app.extensions import db
    from app.models import StatusSnapshot
    from app.status.checks import overall_of

    def make(ts, api="up", frontend="up", database="up", stripe="unknown", workflows="up", commit=True):
        snap = StatusSnapshot(ts=ts, overall_status=overall_of([api, frontend, database, stripe, workflows]),
                              api_status=api, frontend_status=frontend, db_status=database,
                              stripe_status=stripe, workflows_status=workflows,
                              details={"api": {"latency_ms": 12, "error": None}})
        db.session.add(snap)
        if commit:
            db.session.commit()
        return snap

    return make


@pytest.fixture
def healthy_day(add_snapshot):
    """The last 24 hours of 5-minute snapshots, all up (Stripe not configured)."""
    from app.extensions import db
    from app.models.types import utcnow
    from app.status.history import rollup

    now = utcnow()
    for i in range(288):
        add_snapshot(now - timedelta(minutes=5 * i), commit=False)
    db.session.commit()
    rollup(now - timedelta(hours=25), now)
    db.session.commit()
    return now


@pytest.fixture
def worker_alive(app):
    """A live worker for every queue: an RQ worker registration with a fresh heartbeat (server mode), or
    the real in-process runtime thread, without the cron jobs (embedded mode)."""
    from app.common.tasks import QUEUES

    if app.config.get("EMBEDDED_QUEUE"):
        from jobs.worker import EmbeddedRuntime

        runtime = EmbeddedRuntime(app, poll_seconds=0.2).start(periodic=False)
        yield runtime
        runtime.stop()
        return
    from rq import Worker

    from app.common.redis import client as get_connection

    worker = Worker(list(QUEUES), connection=get_connection(app), name=f"status-test-{id(app)}")
    worker.register_birth()
    worker.heartbeat()
    yield worker
    worker.register_death()
