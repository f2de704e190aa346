"""A small cache in Redis shared by every gunicorn worker (the embedded fake Redis in `make run`).

The status page, /api/status, the Statuspage JSON and the banners are built once and served from
here. Writers (a new snapshot, an incident change) call `invalidate()`; the TTL (STATUS_CACHE_TTL,
at most 60 s) is only the safety net for changes made behind our back, e.g. plain SQL.
If Redis itself is unreachable the page is built on every request instead of failing: a status page
must keep working when a dependency is down.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app

log = logging.getLogger(__name__)
PREFIX = "levqor:status-cache:"
MAX_TTL = 60


def _redis():
    from jobs.queues import get_connection

    return get_connection(current_app._get_current_object())


def ttl() -> int:
    return max(1, min(int(current_app.config.get("STATUS_CACHE_TTL", 30)), MAX_TTL))


def get_or_build(key: str, build: Callable[[], bytes | str]) -> bytes:
    try:
        cached = _redis().get(PREFIX + key)
    except Exception:  # Redis down: serve uncached rather than fail
        log.warning("status cache unavailable; building %s uncached", key, exc_info=True)
        cached = None
        value = build()
        return value.encode() if isinstance(value, str) else value
    if cached is not None:
        return cached
    value = build()
    data = value.encode() if isinstance(value, str) else value
    try:
        _redis().set(PREFIX + key, data, ex=ttl())
    except Exception:
        log.warning("status cache unavailable; could not store %s", key, exc_info=True)
    return data


def invalidate() -> int:
    """Drop every cached status artefact so the next request rebuilds it from the database."""
    try:
        conn = _redis()
        keys = list(conn.scan_iter(match=PREFIX + "*", count=200))
        return conn.delete(*keys) if keys else 0
    except Exception:
        log.warning("status cache unavailable; nothing to invalidate", exc_info=True)
        return 0
