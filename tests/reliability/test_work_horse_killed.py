"""Only the work horse is SIGKILLed mid-export (the worker process itself lives on, as when the kernel's
OOM killer picks the child): RQ sees its horse die, the job's declared retry takes it up again, and
the export becomes ready without anyone's help; nothing is left half-uploaded in the object store.

The middle of the export is held open by locking the workflows table, as in test_dead_worker.py; the
horse is the worker's child that holds a connection to PostgreSQL (the worker's other child, its
scheduler, talks to Redis only)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app.dsar import exports
from app.extensions import db
from tests.reliability.test_dead_worker import status_of, wait_for
from tests.support.worker import ROOT, worker_env
from tests.test_dsar.helpers import fast_forward_retries, seed_history

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _talks_to_postgres(pid: int, port: int) -> bool:
    """True when one of pid's sockets is connected to PostgreSQL's port (from /proc/net/tcp*)."""
    inodes = _socket_inodes(pid)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[2].rsplit(":", 1)[1], 16) == port and cols[9] in inodes:
                return True
    return False


def test_a_killed_work_horse_is_retried_and_the_export_gets_ready(app, user, moto_s3):
    seed_history(user.id)
    export = exports.request_export(user.id)
    pg_port = db.engine.url.port or 5432
    blocker = db.engine.connect()
    tx = blocker.begin()
    blocker.execute(text("LOCK TABLE workflows IN ACCESS EXCLUSIVE MODE"))
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "dsar"], cwd=ROOT,
                              env=worker_env(app), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_for(lambda: status_of(export.id).status == "running", 90, "export running")
        horse = wait_for(lambda: next((c for c in _children(worker.pid) if _talks_to_postgres(c, pg_port)), None),
                      30, "the work horse holding a PostgreSQL connection")
        os.kill(horse, signal.SIGKILL)
        tx.rollback()  # the next attempt must not wait on our lock
        blocker.close()
        blocker = None
        assert worker.poll() is None  # the worker itself lives on
        # RQ records the dead horse as a failure; the job's declared retry (30 s later) picks it up.
        def finished() -> bool:
            fast_forward_retries()  # the back-off made due now: time travel, not a fake retry
            return status_of(export.id).status in ("ready", "failed")

        wait_for(finished, 120, "the retried export finished")
        row = status_of(export.id)
        assert row.status == "ready" and row.attempts >= 2, (row.status, row.error)
        uploads = moto_s3.client().list_multipart_uploads(Bucket=moto_s3.bucket).get("Uploads", [])
        assert uploads == []  # nothing left half-uploaded
        assert len(moto_s3.keys()) == 1
    finally:
        if blocker is not None:
            tx.rollback()
            blocker.close()
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
