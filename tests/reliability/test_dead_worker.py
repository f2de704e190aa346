"""No user waits on a dead worker. A real `flask worker` is SIGKILLed (the whole process group: worker
and work horse) in the middle of an export; the export is left `running` with a `started` job in
Redis, exactly as in production. The sweeper notices within the heartbeat bound and retries it, the
user sees "retrying" with the reason, and a new worker finishes it; a request of the user is never
refused because of an export nothing works on.

The middle of the export is held open by locking the workflows table (the job blocks on its first
read of the user's workflows); the clock is moved with the `now` argument instead of sleeping the
60 s heartbeat bound away."""
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
from app.dsar import export_jobs, exports, recovery
from app.extensions import db
from app.models import DsarExport
from tests.support.worker import ROOT, run_flask_worker, worker_env
from tests.test_dsar.helpers import seed_history

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def status_of(export_id: int) -> DsarExport:
    db.session.expire_all()
    return db.session.get(DsarExport, export_id)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found  # what the check found (a pid, a row), for callers that need it
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout}s: {what}")


def kill_worker_mid_export(app, export_id: int):
    """Start a worker, let it reach the middle of the export, SIGKILL it; returns the dead job."""
    from rq.job import Job

    blocker = db.engine.connect()
    tx = blocker.begin()
    blocker.execute(text("LOCK TABLE workflows IN ACCESS EXCLUSIVE MODE"))
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "dsar"], cwd=ROOT,
                            env=worker_env(app), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for(lambda: status_of(export_id).status == "running", 90, "export running")
        job = Job.fetch(export_jobs.export_job_id(export_id), connection=tasks.connection())
        wait_for(lambda: job.get_status(refresh=True) == "started", 30, "job started")
        time.sleep(1)  # a heartbeat or two
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        tx.rollback()
        blocker.close()
    return job


def test_an_export_whose_worker_was_killed_is_retried_within_two_minutes(app, user, client, login):
    seed_history(user.id)
    export = exports.request_export(user.id)
    job = kill_worker_mid_export(app, export.id)
    assert status_of(export.id).status == "running"
    job.refresh()
    _, beat = tasks.fetch_job(job.id)  # its last heartbeat, as the sweeper reads it
    assert job.get_status() == "started"  # what RQ believes until its own clean-up, 10+ minutes later

    # Within the heartbeat bound the worker might just be slow: nothing happens.
    assert recovery.recover_stalled(now=beat + timedelta(seconds=30)) == {"retried": 0, "failed": 0}
    assert status_of(export.id).status == "running"
    # Past it (and the sweep runs every minute: noticed within 60 s + 60 s), the export is retried.
    assert recovery.recover_stalled(now=beat + timedelta(seconds=61)) == {"retried": 1, "failed": 0}
    row = status_of(export.id)
    assert row.status == "pending" and "worker stopped responding" in row.error

    token = login(user)
    [listed] = client.get("/api/dsar/exports").get_json()["exports"]
    assert listed["retrying"] is True and "Retrying" in listed["reason"]
    assert client.post("/api/dsar/export", headers={"X-CSRFToken": token}).status_code == 429  # being retried
    page = client.get("/data-requests").get_data(as_text=True)
    assert ">retrying</span>" in page and "worker stopped responding" in page

    run_flask_worker(app, "dsar")  # a worker comes back (or another machine's picks it up)
    row = status_of(export.id)
    assert row.status == "ready" and row.attempts == 2 and row.error is None


def test_a_request_is_not_refused_because_of_an_export_nothing_works_on(app, user):
    seed_history(user.id)
    stuck = exports.request_export(user.id)
    job = kill_worker_mid_export(app, stuck.id)
    job.refresh()
    _, beat = tasks.fetch_job(job.id)  # its last heartbeat, as the sweeper reads it

    assert recovery.release_stalled(user.id, now=beat + timedelta(seconds=30)) == 0
    assert recovery.release_stalled(user.id, now=beat + timedelta(seconds=61)) == 1
    row = status_of(stuck.id)
    assert row.status == "failed" and "Replaced by a new request" in row.error
    fresh = exports.request_export(user.id)  # no 429
    assert fresh.id != stuck.id and status_of(fresh.id).status == "pending"


def test_a_worker_that_keeps_dying_on_an_export_fails_it_visibly(app, user):
    seed_history(user.id)
    export = exports.request_export(user.id)
    job = kill_worker_mid_export(app, export.id)
    row = status_of(export.id)
    row.attempts = recovery.MAX_ATTEMPTS
    db.session.commit()
    job.refresh()
    _, beat = tasks.fetch_job(job.id)  # its last heartbeat, as the sweeper reads it
    assert recovery.recover_stalled(now=beat + timedelta(seconds=61)) == {"retried": 0, "failed": 1}
    row = status_of(export.id)
    assert row.status == "failed" and f"Attempt {recovery.MAX_ATTEMPTS} of" in row.error
