"""What the status page can still say while PostgreSQL is down.

- The newest check result is published to Redis (and kept in this process) by every snapshot, stored
  or not, so the page shows "database down" and the time of that check even when the snapshot itself
  waits in the spool.
- `last_good(name, build)` remembers the last successful build of a piece of the page (incidents,
  history, banners) in Redis and in this process, and serves it when the database cannot be read.
"""
from __future__ import annotations

import json
import logging
import threading
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
_local: dict[tuple[int, str], str] = {}
_lock = threading.Lock()


class Unavailable(RuntimeError):
    """The database is down and no earlier copy exists."""


def _remember_locally(key: str, value: str) -> None:
    with _lock:
        _local[(id(current_app._get_current_object()), key)] = value


def _recall_locally(key: str) -> str | None:
    return _local.get((id(current_app._get_current_object()), key))


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
    value = None
    try:
        value = redis_client().get(LIVE)
    except Exception:
        log.warning("status: Redis unavailable; using this process's newest check", exc_info=True)
    value = value or _recall_locally(LIVE)
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
    try:
        value = build()
    except DBAPIError:
        db.session.rollback()
        log.warning("status: database unavailable; serving the last good %s", name)
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
    value = None
    try:
        value = redis_client().get(key)
    except Exception:
        log.warning("status: Redis unavailable too; using this process's copy of %s", key)
    value = value or _recall_locally(key)
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
