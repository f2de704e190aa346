"""What the status page can still say while PostgreSQL is down.

- The newest check result is published to Redis (and kept in this process) by every snapshot, stored
  or not, so the page shows "database down" and the time of that check even when the snapshot itself
  waits in the spool.
- `last_good(name, build)` remembers the last successful build of a piece of the page (incidents,
  history, banners) in Redis and in this process, and serves it when the database cannot be read.
- `from_database(read, fallback)`: once a read has failed, this process leaves the database alone
  for STATUS_DB_RETRY_SECONDS and answers from the fallbacks at once, so a rebuild during the outage
  does not wait for the same failing connection again for every piece of the page.

This process's copies belong to the app (`app.extensions`, like the Redis client). They stand in for
Redis only when Redis cannot be reached: when it answers, its answer (nothing, after a flush) counts.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace

from flask import current_app
from sqlalchemy.exc import DBAPIError

from app.common.redis import client as redis_client
from app.extensions import db

log = logging.getLogger(__name__)
LIVE = "levqor:status:live"
GOOD = "levqor:status:good:"
GOOD_SECONDS = 30 * 24 * 3600
_EXT = "levqor_status_live"


class Unavailable(RuntimeError):
    """The database is down and no earlier copy exists."""


class ProcessState:
    """What this process knows without Redis or PostgreSQL: copies by key, and until when (monotonic)
    the database is taken to be down."""

    def __init__(self):
        self.copies: dict[str, str] = {}
        self.lock = threading.Lock()
        self.database_down_until = 0.0


def process_state(app=None) -> ProcessState:
    ext = (app or current_app._get_current_object()).extensions
    if _EXT not in ext:
        ext.setdefault(_EXT, ProcessState())
    return ext[_EXT]


def _remember_locally(key: str, value: str) -> None:
    state = process_state()
    with state.lock:
        state.copies[key] = value


def _recall_locally(key: str) -> str | None:
    return process_state().copies.get(key)


def _from_redis(key: str, what: str) -> str | bytes | None:
    """Redis's value for key (None when it has none), else, Redis unreachable, this process's copy."""
    try:
        return redis_client().get(key)
    except Exception:
        log.warning("status: Redis unavailable; using this process's copy of %s", what)
        return _recall_locally(key)


def database_down() -> bool:
    return process_state().database_down_until > time.monotonic()


def from_database(read: Callable[[], object], fallback: Callable[[], object]):
    """read(), or fallback() when the database fails now or failed in the last STATUS_DB_RETRY_SECONDS."""
    if database_down():
        return fallback()
    try:
        return read()
    except DBAPIError:
        db.session.rollback()
        seconds = float(current_app.config.get("STATUS_DB_RETRY_SECONDS", 5))
        process_state().database_down_until = time.monotonic() + seconds
        log.warning("status: database unavailable; answering from copies for %.0f s", seconds)
        return fallback()


def publish(record: dict) -> None:
    """record: {"ts", "overall", "levels", "details"} of the newest check (ts as a datetime)."""
    value = json.dumps(record | {"ts": record["ts"].isoformat()})
    _remember_locally(LIVE, value)
    try:
        redis_client().set(LIVE, value)
    except Exception:
        log.warning("status: could not publish the newest check to Redis", exc_info=True)


def newest() -> dict | None:
    """The newest published check, from Redis, else this process; None when nothing was published."""
    value = _from_redis(LIVE, "the newest check")
    if not value:
        return None
    record = json.loads(value)
    record["ts"] = datetime.fromisoformat(record["ts"])
    return record


_NONE = object()


def last_good(name: str, build: Callable[[], object], default=_NONE):
    """build() (JSON-able) and remember it; when the database is down, the last good copy, else
    `default` (or Unavailable when none is given)."""
    key = GOOD + name
    failed = object()
    value = from_database(build, lambda: failed)
    if value is failed:
        try:
            return _recall(key)
        except Unavailable:
            if default is _NONE:
                raise
            return default
    encoded = json.dumps(value, default=str)
    _remember_locally(key, encoded)
    try:
        redis_client().set(key, encoded, ex=GOOD_SECONDS)
    except Exception:
        log.warning("status: could not keep a copy of %s in Redis", name, exc_info=True)
    return value


def _recall(key: str):
    value = _from_redis(key, key)
    if value is None:
        raise Unavailable(f"no copy of {key}")
    return json.loads(value)


def revive(value):
    """JSON of incidents back into objects templates and feeds read like the ORM rows: attribute
    access, and datetimes for every `*_at` field."""
    if isinstance(value, list):
        return [revive(v) for v in value]
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _when(v) if k.endswith("_at") else revive(v) for k, v in value.items()})
    return value


def _when(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value
