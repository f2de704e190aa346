"""Recording snapshots: the service, the `flask status snapshot` command and the periodic job."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import StatusRollup, StatusSnapshot
from app.models.types import utcnow


def test_record_snapshot_stores_levels_latency_and_errors(app, fast_checks, configure, hung_server, worker_alive):
    from app.status.snapshots import record_snapshot

    configure(API_HEALTH_URL=hung_server.url, STATUS_CHECK_TIMEOUTS="api:0.5")
    snap = record_snapshot(app)
    row = db.session.get(StatusSnapshot, snap.id)
    assert row.api_status == "down" and row.frontend_status == "up" and row.db_status == "up"
    assert row.stripe_status == "unknown" and row.workflows_status == "up"
    assert row.overall_status == "down"
    assert "timed out" in row.details["api"]["error"] and row.details["api"]["attempts"] == 2
    assert row.details["frontend"]["latency_ms"] is not None and row.details["frontend"]["error"] is None
    assert "API:" in row.notes
    # the current hour's rollup already includes it
    hour = row.ts.replace(minute=0, second=0, microsecond=0)
    api = db.session.scalars(select(StatusRollup).where(
        StatusRollup.period == "hour", StatusRollup.component == "api", StatusRollup.bucket_start == hour)).one()
    assert api.down == 1


def test_new_snapshot_refreshes_the_cached_page(client, app, fast_checks, add_snapshot, worker_alive):
    from app.status.snapshots import record_snapshot

    add_snapshot(utcnow() - timedelta(minutes=2), api="down")
    assert "Partial System Outage" in client.get("/status").get_data(as_text=True)
    assert client.get("/api/status").get_json()["overall"] == "down"
    record_snapshot(app)  # everything healthy now; the cached page and JSON are dropped
    assert "All Systems Operational" in client.get("/status").get_data(as_text=True)
    assert client.get("/api/status").get_json()["overall"] == "up"


def test_cli_snapshot_records_and_prints(app, fast_checks):
    result = app.test_cli_runner().invoke(args=["status", "snapshot"])
    assert result.exit_code == 0, result.output
    assert "Snapshot" in result.output
    for name in ("API", "Frontend", "Database", "Stripe", "Workflows"):
        assert name in result.output
    assert "STRIPE_API_KEY is not set" in result.output
    assert db.session.query(StatusSnapshot).count() == 1


def test_cli_rollup(app, add_snapshot):
    add_snapshot(utcnow() - timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["status", "rollup", "--hours", "3"])
    assert result.exit_code == 0, result.output
    assert "Rollups written" in result.output


@pytest.mark.committed
def test_periodic_job_records_a_snapshot_through_the_queue(app, fast_checks, drain_queues):
    from jobs.status import record_snapshot_job

    job = record_snapshot_job.enqueue()
    assert job.origin == "status"
    drain_queues()
    db.session.remove()
    snaps = db.session.scalars(select(StatusSnapshot)).all()
    assert len(snaps) == 1 and snaps[0].db_status == "up" and snaps[0].api_status == "up"


@pytest.mark.committed
def test_a_snapshot_job_that_starts_late_says_so(app, fast_checks, drain_queues, caplog):
    from datetime import UTC, datetime

    from jobs.status import record_snapshot_job

    job = record_snapshot_job.enqueue()
    job.enqueued_at = datetime.now(UTC) - timedelta(minutes=7)  # it waited behind something for 7 minutes
    job.save()
    import logging

    logging.getLogger("jobs.status").disabled = False  # Alembic's fileConfig (migrations at setup) disables it
    with caplog.at_level("WARNING", logger="jobs.status"):
        drain_queues()
    job.refresh()
    assert job.get_status() == "finished"
    result = job.return_value()
    assert result["late_seconds"] >= 420 and result["missed_slot"] is True
    assert "its slot was missed" in caplog.text
    db.session.remove()
    assert db.session.query(StatusSnapshot).count() == 1  # the check still ran and was stored
