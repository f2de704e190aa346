"""A full disk under the status spool (issue 28), for real: the spool file lives on a 64 KiB tmpfs this
test mounts and fills, while PostgreSQL and Redis (private instances) are down. The write that does
not fit leaves a torn line; later snapshots are still spooled and stored, the torn line is quarantined
with one log line, and a snapshot spooled in Redis is not stuck behind it."""
from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import StatusSnapshot
from app.models.types import utcnow
from app.status import snapshots, spool

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


@pytest.fixture
def small_disk():
    """A 64 KiB tmpfs (mounting needs root: the test machines and CI run the suite as root)."""
    where = tempfile.mkdtemp(prefix="levqor-full-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", where], check=True)
    yield where
    subprocess.run(["umount", "-l", where], check=True)
    os.rmdir(where)


@contextlib.contextmanager
def _log_lines(name: str):
    lines: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    disabled, logger.disabled = logger.disabled, False  # alembic's fileConfig (the migration) disables loggers
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.disabled = disabled


def _fill(path: str) -> None:
    with contextlib.suppress(OSError), open(path, "wb", buffering=0) as fh:
        while True:
            fh.write(b"x" * 512)


def _snapshot(n: int) -> StatusSnapshot:
    levels = {"api_status": "operational", "frontend_status": "operational", "db_status": "down",
              "stripe_status": "operational", "workflows_status": "operational"}
    return StatusSnapshot(ts=utcnow(), overall_status="down", **levels,
                          details={"database": {"error": "connection refused", "n": n}}, notes="x" * 300)


def test_a_torn_spool_line_is_quarantined_and_snapshots_go_on(make_fault_app, private_pg, private_redis,
                                                               small_disk):
    cluster, url = private_pg
    spool_file = os.path.join(small_disk, "status-spool.jsonl")
    fault_app = make_fault_app(migrate=True, SQLALCHEMY_DATABASE_URI=url, REDIS_URL=private_redis.url,
                               EMBEDDED_QUEUE=False, RATELIMIT_STORAGE_URI="memory://", STATUS_SPOOL_FILE=spool_file,
                               STATUS_CHECK_TIMEOUT=1, STATUS_RETRY_DELAY=0.05, SQLALCHEMY_ENGINE_OPTIONS={
                                   "pool_pre_ping": True, "connect_args": {"connect_timeout": 2}})
    with fault_app.app_context():
        private_redis.stop()
        cluster.stop()
        assert spool.push(_snapshot(0)) == "file"
        _fill(os.path.join(small_disk, "filler"))
        kept = [0]
        for n in range(1, 20):  # until a line does not fit: the first that does not is cut short
            where = spool.push(_snapshot(n))
            if where == "lost":
                break
            kept.append(n)
        assert where == "lost" and not Path(spool_file).read_bytes().endswith(b"\n")  # a torn line on disk

        os.remove(os.path.join(small_disk, "filler"))  # space is freed
        assert spool.push(_snapshot(99)) == "file"
        kept.append(99)
        private_redis.start()
        assert spool.push(_snapshot(100)) == "redis"  # the Redis-spooled outage snapshot
        kept.append(100)

        cluster.start()
        with _log_lines("app.status.spool") as lines:
            live = snapshots.record_snapshot(fault_app)  # the next scheduled snapshot
        db.session.expire_all()
        stored = db.session.scalars(select(StatusSnapshot.details)).all()
        assert sorted(d["database"]["n"] for d in stored if "n" in d.get("database", {})) == kept
        assert db.session.get(StatusSnapshot, live.id) is not None
        assert [line for line in lines if "malformed" in line] == [
            f"status spool: 1 malformed line(s) in the file spool moved to its quarantine ({spool_file}.bad)"]
        assert spool.pending() == 0
        assert len(Path(spool_file + ".bad").read_text().splitlines()) == 1
        snapshots.record_snapshot(fault_app)  # and the one after that
        assert db.session.scalar(select(func.count()).select_from(StatusSnapshot)) == len(kept) + 2
