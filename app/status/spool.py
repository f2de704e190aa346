"""Check results that could not be stored wait here until PostgreSQL is back.

The status page exists for the hour when things are broken, and the database is one of the things
that breaks: a snapshot that says "database down" cannot be written to that database. So a snapshot
that fails to commit is pushed to a Redis list, or, when Redis is down too, appended to a spool file
in the instance folder. The next snapshot that reaches PostgreSQL flushes the spool first, in time
order and exactly once (a snapshot whose `ts` is already stored is skipped, so a flush that died
between commit and clean-up repeats nothing).

A full disk must not stop the status page (issue 28): each file line is written with one append-mode
write after making sure the file ends in a newline (so a line torn by ENOSPC stays on its own line and
never swallows the next one), a write that fails is logged and dropped (the check itself is still
published live), and a malformed line, in the file or in Redis, is moved to a quarantine
(`<spool>.bad`, `levqor:status:spool:bad`) with one log line instead of stopping every later flush.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import threading
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.common.redis import client as redis_client
from app.extensions import db
from app.models import StatusSnapshot
from app.models.status import COLUMNS

log = logging.getLogger(__name__)
KEY = "levqor:status:spool"
LOCK = KEY + ":lock"
QUARANTINE = KEY + ":bad"
FIELDS = (*COLUMNS.values(), "notes", "details")
_file_lock = threading.Lock()


def as_record(snapshot: StatusSnapshot) -> dict:
    return {"ts": snapshot.ts.isoformat()} | {f: getattr(snapshot, f) for f in FIELDS}


def push(snapshot: StatusSnapshot, app=None) -> str:
    """Keep an unstored snapshot; returns where it went ("redis", "file", or "lost" when the file cannot
    be written either: never raises, the check was published live already)."""
    line = json.dumps(as_record(snapshot))
    try:
        redis_client(app).rpush(KEY, line)
        return "redis"
    except Exception:
        log.warning("status spool: Redis unavailable too; writing snapshot %s to %s", snapshot.ts, spool_path(app))
    try:
        _append(spool_path(app), line)
    except OSError as exc:
        log.error("status spool: cannot write snapshot %s to %s (%s); it is lost", snapshot.ts, spool_path(app),
                  exc.strerror or exc)
        return "lost"
    return "file"


def _append(path: str, line: str) -> None:
    """One write of the whole line (after a newline if an earlier write was torn), then fsync."""
    with _file_lock:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
            data = (("\n" if torn else "") + line + "\n").encode()
            if os.write(fd, data) < len(data):  # the disk filled up mid-line: what was written is torn
                raise OSError(errno.ENOSPC, "No space left on device (the line was cut short)")
            os.fsync(fd)
        finally:
            os.close(fd)


def spool_path(app=None) -> str:
    app = app or current_app
    return app.config.get("STATUS_SPOOL_FILE") or os.path.join(app.instance_path, "status-spool.jsonl")


def pending() -> int:
    """How many snapshots wait (Redis and file), for ops and tests."""
    count = len(_read_file())
    try:
        count += int(redis_client().llen(KEY))
    except Exception:
        log.warning("status spool: cannot count the Redis spool", exc_info=True)
    return count


def flush() -> list[datetime]:
    """Store every spooled snapshot not yet stored, oldest first; returns their times.

    Raises what the database raises (the caller spools again); Redis being down only means the
    Redis part waits for the next flush."""
    conn = redis_client()
    try:
        if not conn.set(LOCK, b"1", nx=True, ex=60):
            return []  # another process is flushing
        redis_lines = conn.lrange(KEY, 0, -1)
    except Exception:
        conn, redis_lines = None, []
    file_lines = _read_file()
    try:
        stored = _store(redis_lines, file_lines)
        db.session.commit()
        if file_lines:
            _drop_file_lines(len(file_lines))
        if conn is not None and redis_lines:
            conn.ltrim(KEY, len(redis_lines), -1)  # only what we read: later pushes stay
        return stored
    finally:
        if conn is not None:
            try:
                conn.delete(LOCK)
            except Exception:
                log.warning("status spool: could not release the flush lock (it expires in 60 s)")


def _parse(lines: list[bytes | str], where: str) -> list[tuple[datetime, dict]]:
    """The well-formed records; a malformed line (torn by a full disk, say) goes to the quarantine."""
    good, bad = [], []
    for line in lines:
        try:
            record = json.loads(line)
            good.append((datetime.fromisoformat(record["ts"]), record))
        except (ValueError, TypeError, KeyError):
            bad.append(line.decode(errors="replace") if isinstance(line, bytes) else line)
    if bad:
        log.warning("status spool: %d malformed line(s) in the %s spool moved to its quarantine (%s)", len(bad),
                    where, QUARANTINE if where == "redis" else spool_path() + ".bad")
        _quarantine(bad, where)
    return good


def _quarantine(lines: list[str], where: str) -> None:
    try:
        if where == "redis":
            redis_client().rpush(QUARANTINE, *lines)
        else:
            with open(spool_path() + ".bad", "a", encoding="utf-8") as fh:
                fh.write("".join(line + "\n" for line in lines))
    except Exception:  # a full disk again: the line is dropped, and the log line above says so
        log.warning("status spool: could not keep the malformed line(s) in quarantine")


def _store(lines: list[bytes | str], file_lines: list[str] = ()) -> list[datetime]:
    parsed = sorted(_parse(lines, "redis") + _parse(list(file_lines), "file"), key=lambda p: p[0])
    if not parsed:
        return []
    times = [ts for ts, _ in parsed]
    records = [record for _, record in parsed]
    existing = set(db.session.scalars(select(StatusSnapshot.ts).where(
        StatusSnapshot.ts >= times[0], StatusSnapshot.ts <= times[-1])))
    stored = []
    for ts, record in zip(times, records, strict=True):
        if ts in existing:
            continue
        existing.add(ts)
        db.session.add(StatusSnapshot(ts=ts, **{f: record.get(f) for f in FIELDS}))
        stored.append(ts)
    db.session.flush()
    if stored:
        log.info("status spool: stored %d snapshot(s) recorded while the database was down (%s to %s)",
                 len(stored), stored[0].isoformat(), stored[-1].isoformat())
    return stored


def _read_file() -> list[str]:
    path = spool_path()
    if not os.path.exists(path):
        return []
    with _file_lock, open(path, encoding="utf-8", errors="replace") as fh:
        return [line for line in fh.read().splitlines() if line.strip()]


def _drop_file_lines(count: int) -> None:
    """Remove the first `count` lines (those just stored); lines appended meanwhile stay."""
    path = spool_path()
    with _file_lock:
        with open(path, encoding="utf-8", errors="replace") as fh:
            rest = [line for line in fh.read().splitlines() if line.strip()][count:]
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in rest))
        os.replace(tmp, path)
