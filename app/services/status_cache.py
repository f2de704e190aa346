"""A two-level cache for the status page, the status JSON and the banners.

Level 1 is Redis, shared by every gunicorn worker (the embedded fake Redis in `make run`). Level 2 is
a tiny per-process copy kept STATUS_LOCAL_CACHE_SECONDS (default 2 s), so a traffic spike costs no
network round trip and no copy of a 50 kB value per request.

Writers (a new snapshot, an incident change) call `invalidate()`: the Redis copies go at once and
this process's local copies too; other processes drop theirs within the local TTL. The Redis TTL
(STATUS_CACHE_TTL, at most 60 s) is only the safety net for changes made behind our back (plain SQL).
If Redis is unreachable the page is built on every request instead of failing: a status page must
keep working when a dependency is down.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app

log = logging.getLogger(__name__)
PREFIX = "levqor:status-cache:"
MAX_TTL = 60
_local: dict[tuple[int, str], tuple[float, bytes]] = {}
_lock = threading.Lock()


def _redis():
    from jobs.queues import get_connection

    return get_connection(current_app._get_current_object())


def ttl() -> int:
    return max(1, min(int(current_app.config.get("STATUS_CACHE_TTL", 30)), MAX_TTL))


def _local_seconds() -> float:
    return float(current_app.config.get("STATUS_LOCAL_CACHE_SECONDS", 2))


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def get_or_build(key: str, build: Callable[[], bytes | str]) -> bytes:
    local_key = (id(current_app._get_current_object()), key)
    hit = _local.get(local_key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    try:
        data = _redis().get(PREFIX + key)
    except Exception:  # Redis down: serve uncached rather than fail
        log.warning("status cache unavailable; building %s uncached", key, exc_info=True)
        return _as_bytes(build())
    if data is None:
        data = _as_bytes(build())
        try:
            _redis().set(PREFIX + key, data, ex=ttl())
        except Exception:
            log.warning("status cache unavailable; could not store %s", key, exc_info=True)
            return data
    seconds = _local_seconds()
    if seconds > 0:
        with _lock:
            _local[local_key] = (now + seconds, data)
    return data


def invalidate() -> int:
    """Drop every cached status artefact so the next request rebuilds it from the database."""
    app_id = id(current_app._get_current_object())
    with _lock:
        for local_key in [k for k in _local if k[0] == app_id]:
            del _local[local_key]
    try:
        conn = _redis()
        keys = list(conn.scan_iter(match=PREFIX + "*", count=200))
        return conn.delete(*keys) if keys else 0
    except Exception:
        log.warning("status cache unavailable; nothing to invalidate", exc_info=True)
        return 0


def cached_response(key: str, build: Callable[[], bytes | str], mimetype: str, headers: dict | None = None):
    """A Response with the cached bytes, gzip-compressed once (and cached) for clients that accept it."""
    from flask import Response, request

    body = get_or_build(key, build)
    extra = dict(headers or {})
    extra["Vary"] = "Accept-Encoding"
    if "gzip" in request.headers.get("Accept-Encoding", "").lower() and len(body) > 1024:
        import gzip

        body = get_or_build(key + ":gzip", lambda: gzip.compress(body, compresslevel=6, mtime=0))
        extra["Content-Encoding"] = "gzip"
    return Response(body, mimetype=mimetype, headers=extra)
