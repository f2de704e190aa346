"""The status page in its worst hour: PostgreSQL (and then Redis too) stopped for real.

Private servers the test owns: a PostgreSQL cluster (initdb on a free port) and a redis-server with
an append-only file, stopped and started by the test. The app under test is a second app bound to
them, served by a real HTTP server for the browser."""
from __future__ import annotations

import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import StatusSnapshot
from app.status import cache, snapshots, spool
from config import TestConfig
from tests.support.private import PrivatePostgres, PrivateRedis
from tests.support.services import free_port

pytestmark = [pytest.mark.server_only]


@pytest.fixture(scope="module")
def private_pg():
    server = PrivatePostgres()
    yield server
    server.close()


@pytest.fixture(scope="module")
def private_redis():
    server = PrivateRedis()
    yield server
    server.close()


@pytest.fixture
def outage_app(private_pg, private_redis, httpserver, tmp_path):
    httpserver.expect_request("/healthz").respond_with_json({"ok": True})
    httpserver.expect_request("/").respond_with_data("<html>ok</html>", content_type="text/html")
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=private_pg.url, REDIS_URL=private_redis.url, EMBEDDED_QUEUE=False,
        RATELIMIT_STORAGE_URI="memory://", INSTANCE_PATH=str(tmp_path), STATUS_SPOOL_FILE=str(tmp_path / "spool"),
        API_HEALTH_URL=httpserver.url_for("/healthz"), FRONTEND_HEALTH_URL=httpserver.url_for("/"),
        STATUS_CHECK_TIMEOUT=2, STATUS_RETRY_DELAY=0.05, STRIPE_API_KEY=None,
        STATUS_LATENCY_THRESHOLDS_MS="api:1500,frontend:1500,database:1500,stripe:1500,workflows:1500",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}})
    with app.app_context():
        upgrade(revision="heads")
        yield app
        db.session.remove()
        db.engine.dispose()


def _levels(client) -> dict:
    res = client.get("/api/status")
    assert res.status_code == 200
    return res.get_json()


def _assert_pages_answer_with_database_down(client):
    body = _levels(client)
    assert body["components"]["database"] == "down" and body["overall"] == "down"
    assert body["updated_at"] and body["stale"] is False
    summary = client.get("/api/v2/summary.json")
    assert summary.status_code == 200
    [database] = [c for c in summary.get_json()["components"] if c["id"] == "database"]
    assert database["status"] == "major_outage"
    assert client.get("/api/v2/status.json").get_json()["status"]["indicator"] in ("major", "critical")
    page = client.get("/status")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="component-database" data-component="database" data-level="down"' in html
    assert "The 90-day history is unavailable while our database is" in html
    for path in ("/status/feed.atom", "/signin", "/pricing", "/healthz"):
        assert client.get(path).status_code == 200, path


def test_database_outage_is_recorded_served_and_flushed_once(outage_app, private_pg, private_redis, browser):
    client = outage_app.test_client()
    snapshots.record_snapshot(outage_app)
    assert _levels(client)["components"]["database"] == "up"

    private_pg.stop()
    try:
        for _ in range(3):  # three 5-minute slots of the outage
            snap = snapshots.record_snapshot(outage_app)
            assert snap.db_status == "down" and snap.id is None  # not stored: spooled
        assert spool.pending() == 3
        _assert_pages_answer_with_database_down(client)
        _browse_status_page(outage_app, browser)

        private_redis.stop()  # Redis goes too: the next check lands in the spool file
        try:
            snapshots.record_snapshot(outage_app)
            body = _levels(client)  # from this process's copies
            assert body["components"]["database"] == "down"
        finally:
            private_redis.start()
    finally:
        private_pg.start()

    cache.invalidate()
    stored = snapshots.record_snapshot(outage_app)  # the database is back: flush, then store
    assert stored.id is not None and spool.pending() == 0
    rows = db.session.scalars(select(StatusSnapshot).order_by(StatusSnapshot.ts)).all()
    assert [r.db_status for r in rows] == ["up", "down", "down", "down", "down", "up"]
    assert [r.ts for r in rows] == sorted(r.ts for r in rows)
    assert spool.flush() == [] and db.session.scalar(select(db.func.count(StatusSnapshot.id))) == 6

    history = _levels(client)["history"]["components"]["database"]
    assert history["counts"]["down"] >= 1 and history["uptime_pct"] < 100  # downtime, not "no data"


def _browse_status_page(app, browser):
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context()
    try:
        page = context.new_page()
        response = page.goto(f"http://127.0.0.1:{port}/status")
        assert response.status == 200
        assert page.locator("#overall-status").inner_text() == "Partial System Outage"
        assert page.locator("#component-database .component-state").inner_text() == "Major outage"
        monitored = page.locator(".status-component:not(.status-unmonitored)").count()
        assert monitored >= 4 and page.locator(".status-history-unavailable").count() == monitored
    finally:
        context.close()
        server.shutdown()
        thread.join(timeout=5)


READ_SURFACES = ("/api/v2/summary.json", "/api/v2/components.json", "/api/v2/incidents.json",
                 "/api/v2/incidents/unresolved.json", "/api/v2/scheduled-maintenances.json",
                 "/api/v2/scheduled-maintenances/upcoming.json", "/api/v2/scheduled-maintenances/active.json",
                 "/status/history", "/status/badge.svg", "/status/badge.svg?component=api&uptime=30d",
                 "/status/fragment")


def test_read_api_history_and_badge_answer_from_last_good_copies_while_the_database_is_down(outage_app, private_pg):
    from app.models import Incident, IncidentUpdate
    from app.models.types import utcnow

    client = outage_app.test_client()
    snapshots.record_snapshot(outage_app)
    incident = Incident(title="Edge errors", status="identified", impact="major", components=["api"],
                        message="CDN node failing.")
    incident.updates = [IncidentUpdate(status="identified", message="CDN node failing.", created_at=utcnow())]
    db.session.add(incident)
    db.session.commit()
    incident_id = incident.id
    cache.invalidate()
    before = {path: client.get(path) for path in READ_SURFACES}  # the last good copies are kept meanwhile
    assert all(res.status_code == 200 for res in before.values())

    private_pg.stop()
    try:
        cache.invalidate()  # nothing cached: every answer is rebuilt without the database
        for path in READ_SURFACES:
            res = client.get(path)
            assert res.status_code == 200, path
        assert [i["name"] for i in client.get("/api/v2/incidents.json").get_json()["incidents"]] == ["Edge errors"]
        assert "CDN node failing." in client.get("/status/history").get_data(as_text=True)
        assert client.get("/status/history?page=2").status_code == 200  # never read before: empty months
        assert client.get(f"/status/incidents/{incident_id}").status_code == 302
        assert b"outage" in client.get("/status/badge.svg?component=api").data  # declared major incident
    finally:
        private_pg.start()
