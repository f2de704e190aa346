"""The Procfile's real worker processes against the test's Redis and PostgreSQL: the snapshot has its own
worker (`worker_fast: status mail`), so a long export on `worker` (dsar default) never delays it, and a
queue nobody serves shows up in the very next snapshot."""
import time

import pytest
from sqlalchemy import select

from app.common.tasks import queue as get_queue
from app.extensions import db
from app.models import StatusSnapshot
from jobs.status import record_snapshot_job
from tests.support.worker import procfile_command, procfile_worker

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def _check_env(httpserver) -> dict:
    """The worker process reads its settings from the environment, like in production."""
    return {"API_HEALTH_URL": httpserver.url_for("/healthz"), "FRONTEND_HEALTH_URL": httpserver.url_for("/"),
            "STATUS_CHECK_TIMEOUT": "3", "STATUS_RETRY_DELAY": "0.1",
            "STATUS_LATENCY_THRESHOLDS_MS": "api:3000,frontend:3000,database:3000,stripe:3000,workflows:3000"}


def _wait_for_snapshot(timeout: float) -> StatusSnapshot | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.remove()
        snap = db.session.scalars(select(StatusSnapshot)).first()
        if snap is not None:
            return snap
        time.sleep(0.2)
    return None


def test_procfile_gives_status_mail_and_notifications_their_own_worker():
    assert procfile_command("worker")[-2:] == ["dsar", "default"]
    assert procfile_command("worker_fast")[-4:] == ["worker", "status", "mail", "notify"]


def test_a_snapshot_runs_on_time_while_the_export_worker_is_busy(app, fast_checks):
    env = _check_env(fast_checks)
    with procfile_worker(app, "worker", ("dsar", "default"), **env), \
            procfile_worker(app, "worker_fast", ("status", "mail", "notify"), **env):
        # Stands in for a 2-minute export: a job on the dsar queue that holds its worker for 120 s.
        export = get_queue("dsar").enqueue("time.sleep", 120, job_timeout=300)
        deadline = time.monotonic() + 60
        while export.get_status(refresh=True) != "started" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert export.get_status() == "started"

        enqueued = time.monotonic()
        record_snapshot_job.enqueue()  # what the scheduler does at the 5-minute mark
        snap = _wait_for_snapshot(timeout=60)
        waited = time.monotonic() - enqueued

        assert snap is not None, "the snapshot waited behind the export"
        # On time: well inside its 5-minute slot, while the 2-minute export is still running.
        assert waited < 60 and export.get_status(refresh=True) == "started"
        # Every queue has a live worker (dsar's is busy, nothing waits): workflows is up.
        assert snap.workflows_status == "up", snap.details["workflows"]
        assert snap.details["workflows"]["info"]["queues"]["dsar"]["workers"] == 1


def test_a_job_waiting_with_no_dsar_worker_turns_workflows_down_in_the_next_snapshot(client, app, fast_checks):
    env = _check_env(fast_checks)
    get_queue("dsar").enqueue("builtins.print", "an export nobody picks up")
    with procfile_worker(app, "worker_fast", ("status", "mail", "notify"), **env):
        record_snapshot_job.enqueue()
        snap = _wait_for_snapshot(timeout=60)
    assert snap is not None
    workflows = snap.details["workflows"]
    assert snap.workflows_status == "down" and workflows["reason"] == "no_worker"
    assert workflows["info"]["queue"] == "dsar" and workflows["info"]["queues"]["dsar"]["queued"] == 1
    assert snap.overall_status == "down"
    assert client.get("/api/status").get_json()["components"]["workflows"] == "down"
