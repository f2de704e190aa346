"""The bad hour of an erasure, on real parts: the worker SIGKILLed half-way, the object store down, an
export building while the erasure starts. An erasure is never reported completed with data left, and
it always finishes once the fault is gone."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.common import tasks
from app.dsar import erasure, erasure_run, exports
from app.extensions import db
from app.models import DsarExport, ErasureRequest, Workflow
from app.models.types import utcnow
from jobs.dsar import run_erasure_job
from tests.reliability.test_dead_worker import wait_for
from tests.reliability.test_work_horse_killed import _children
from tests.support.services import free_port
from tests.support.worker import ROOT, run_flask_worker, worker_env
from tests.test_dsar.erasure_seed import assert_erased, count, seed_erasable
from tests.test_dsar.helpers import fast_forward_retries, seed_history


def _due(user_id: int) -> int:
    row = erasure.request_erasure(user_id, "user-password")
    row.scheduled_for = utcnow() - timedelta(seconds=1)
    db.session.commit()
    return row.id


def _blocked_on_invoices() -> bool:
    db.session.rollback()  # pg_stat_activity is a snapshot per transaction: look again in a new one
    return db.session.execute(text(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND query LIKE 'UPDATE invoices%'")).first() is not None


def _row(erasure_id: int) -> ErasureRequest:
    db.session.expire_all()
    return db.session.get(ErasureRequest, erasure_id)


@pytest.mark.server_only
@pytest.mark.committed
def test_a_worker_killed_half_way_leaves_it_running_and_the_rerun_finishes_it(app, user, make_user, smtp):
    seeded = seed_erasable(user, make_user)
    erasure_id = _due(user.id)
    assert erasure.sweep_due()["enqueued"] == 1
    blocker = db.engine.connect()  # hold the row phase in the middle: deletes done, invoices not yet
    tx = blocker.begin()
    blocker.execute(text("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE"))
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "dsar"], cwd=ROOT,
                            env=worker_env(app), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for(_blocked_on_invoices, 90, "the erasure blocked half-way through its rows")
        time.sleep(1)
        for horse in _children(proc.pid):  # RQ's work horse runs in its own session: kill it by pid
            os.kill(horse, signal.SIGKILL)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        tx.rollback()
        blocker.close()

    row = _row(erasure_id)
    assert row.status == "running" and row.completed_at is None  # never "completed" with data left
    assert count(Workflow, Workflow.user_id == user.id) > 0  # the half-done row phase was rolled back
    _, beat = tasks.fetch_job(tasks.job_id(erasure.ERASE_JOB, erasure_id))
    assert erasure.sweep_due(now=beat + timedelta(seconds=30))["enqueued"] == 0  # maybe only slow
    assert erasure.sweep_due(now=beat + timedelta(seconds=61))["enqueued"] == 1
    assert "worker stopped responding" in _row(erasure_id).error

    run_flask_worker(app, "dsar", "mail")
    row = _row(erasure_id)
    assert row.status == "completed" and row.attempts == 2 and row.final_emailed_at is not None
    assert_erased(seeded)
    assert [m["to"] for m in smtp.wait_for(2) if "erased" in m["subject"]] == [["user@example.com"]]


def test_storage_down_keeps_it_running_and_visibly_stuck_until_every_object_is_gone(
        app, client, user, admin, make_user, login, moto_s3, smtp, drain_queues):
    seeded = seed_erasable(user, make_user)
    erasure_id = _due(user.id)
    live = app.config["S3_ENDPOINT_URL"]
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens: the store is down
    app.extensions.pop("levqor_storage", None)
    try:
        erasure.sweep_due()
        drain_queues()
        for _ in run_erasure_job.spec.retry_intervals[:2]:
            assert fast_forward_retries("dsar") == 1
            drain_queues()
        row = _row(erasure_id)
        assert row.status == "running" and row.attempts == 3 and "Storage: EndpointConnectionError" in row.error
        assert count(Workflow, Workflow.user_id == user.id) > 0  # rows wait until the objects are gone
        login(admin)
        [listed] = client.get("/api/admin/dsar/erasures").get_json()["erasures"]
        assert listed["stuck"] is True and "EndpointConnectionError" in listed["error"]
        grid = client.get("/admin/dsar_erasures/").get_data(as_text=True)
        assert "stuck" in grid and "EndpointConnectionError" in grid
    finally:
        app.config["S3_ENDPOINT_URL"] = live
        app.extensions.pop("levqor_storage", None)
    assert moto_s3.keys()  # the person's objects are all still there
    assert fast_forward_retries("dsar") == 1  # the store is back: the next retry finishes it
    drain_queues()
    row = _row(erasure_id)
    assert row.status == "completed" and row.error is None
    assert_erased(seeded)
    assert sorted(moto_s3.keys()) == [f"dsar/{seeded['other_id']}/theirs.zip"]


@pytest.mark.server_only
@pytest.mark.committed
def test_an_export_building_when_the_erasure_starts_is_never_published(app, user, smtp):
    seed_history(user.id)
    export_id = exports.request_export(user.id).id
    erasure_id = _due(user.id)
    blocker = db.engine.connect()  # the export job blocks on its first read of the workflows
    tx = blocker.begin()
    blocker.execute(text("LOCK TABLE workflows IN ACCESS EXCLUSIVE MODE"))
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", "dsar"],
                            cwd=ROOT, env=worker_env(app), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        wait_for(lambda: db.session.get(DsarExport, export_id, populate_existing=True).status == "running",
                 90, "export running")
        row = db.session.get(ErasureRequest, erasure_id)
        erasure_run.begin(row)  # the erasure starts while the archive is being built
        erasure_run.delete_stored_objects(user.id)
    finally:
        tx.rollback()
        blocker.close()
    _, err = proc.communicate(timeout=120)
    db.session.expire_all()
    built = db.session.get(DsarExport, export_id)
    assert built.status == "invalidated" and built.download_url is None, err[-2000:]
    from app.common.storage import get_storage

    assert get_storage().list_keys(f"dsar/{user.id}/") == []  # nothing left in storage, nothing linked
    assert erasure.run_erasure(erasure_id) == "completed"
    assert db.session.get(DsarExport, export_id) is None
    assert not [m for m in smtp.messages if "ready" in (m["subject"] or "")]  # no "your export is ready"
