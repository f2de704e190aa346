"""A two-level cache for the status page, the status JSON and the banners.

Level 1 is Redis, shared by every gunicorn worker (the embedded fake Redis in `make run`). Level 2 is
a tiny per-process copy kept STATUS_LOCAL_CACHE_SECONDS (default 2 s), so a traffic spike costs no
network round trip per request.

Freshness: writers (a new snapshot, an incident change) call `invalidate()`, which bumps a generation
number; values built for an older generation are never served again, and a build that started before
the bump is not stored (WATCH on the generation), so a change can't be overwritten by a slow rebuild.
Values are fresh for STATUS_CACHE_TTL (at most 60 s: the safety net for changes made behind our back,
e.g. plain SQL). After that ONE request (holding a short Redis lock) rebuilds while the others keep
serving the previous copy for up to STALE_GRACE seconds, so an expiry under load is not a stampede
of identical rebuilds.
If Redis is unreachable the page is built on every request instead of failing: a status page must
keep working when a dependency is down.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app
from redis.exceptions import WatchError

from app.common.redis import client as redis_client

log = logging.getLogger(__name__)
PREFIX = "levqor:status-cache:"
GENERATION = PREFIX + "generation"
MAX_TTL = 60
STALE_GRACE = 30
LOCK_SECONDS = 10
WAIT_FOR_BUILDER = 2.0
_local: dict[tuple[int, str], tuple[float, bytes]] = {}
_lock = threading.Lock()


def _redis():
    return redis_client()


def ttl() -> int:
    return max(1, min(int(current_app.config.get("STATUS_CACHE_TTL", 30)), MAX_TTL))


def _local_seconds() -> float:
    return float(current_app.config.get("STATUS_LOCAL_CACHE_SECONDS", 2))


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _unpack(raw: bytes | None, generation: int) -> tuple[float, bytes] | None:
    """(built_at, data) of a value of the current generation, else None."""
    if not raw:
        return None
    header, _, data = raw.partition(b"\n")
    gen, _, built_at = header.partition(b":")
    if int(gen) != generation:
        return None
    return float(built_at), data


def _read(conn, key: str) -> tuple[int, tuple[float, bytes] | None]:
    gen, raw = conn.mget(GENERATION, PREFIX + key)
    generation = int(gen or 0)
    return generation, _unpack(raw, generation)


def _store(conn, key: str, generation: int, data: bytes) -> None:
    """Store unless an invalidation happened since the build started (WATCH on the generation)."""
    value = f"{generation}:{time.time()}".encode() + b"\n" + data
    with conn.pipeline() as pipe:
        try:
            pipe.watch(GENERATION)
            if int(pipe.get(GENERATION) or 0) != generation:
                return
            pipe.multi()
            pipe.set(PREFIX + key, value, ex=ttl() + STALE_GRACE)
            pipe.delete(PREFIX + key + ":lock")
            pipe.execute()
        except WatchError:
            return


def _remember(key: str, data: bytes) -> bytes:
    seconds = _local_seconds()
    if seconds > 0:
        with _lock:
            _local[(id(current_app._get_current_object()), key)] = (time.monotonic() + seconds, data)
    return data


def get_or_build(key: str, build: Callable[[], bytes | str]) -> bytes:
    hit = _local.get((id(current_app._get_current_object()), key))
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    try:
        conn = _redis()
        generation, cached = _read(conn, key)
        if cached is not None and time.time() - cached[0] < ttl():
            return _remember(key, cached[1])
        builder = bool(conn.set(PREFIX + key + ":lock", b"1", nx=True, ex=LOCK_SECONDS))
        if not builder and cached is not None:
            return _remember(key, cached[1])  # someone is rebuilding; the previous copy is still good
        if not builder:  # nothing to serve yet: give the builder a moment before building ourselves
            deadline = time.monotonic() + WAIT_FOR_BUILDER
            while time.monotonic() < deadline:
                time.sleep(0.05)
                generation, cached = _read(conn, key)
                if cached is not None:
                    return _remember(key, cached[1])
    except Exception:  # Redis down: serve uncached rather than fail
        log.warning("status cache unavailable; building %s uncached", key, exc_info=True)
        return _as_bytes(build())
    data = _as_bytes(build())
    try:
        _store(conn, key, generation, data)
    except Exception:
        log.warning("status cache unavailable; could not store %s", key, exc_info=True)
    return _remember(key, data)


def invalidate() -> int:
    """Make every cached status artefact stale at once; returns the new generation."""
    app_id = id(current_app._get_current_object())
    with _lock:
        for local_key in [k for k in _local if k[0] == app_id]:
            del _local[local_key]
    try:
        return int(_redis().incr(GENERATION))
    except Exception:
        log.warning("status cache unavailable; nothing to invalidate", exc_info=True)
        return 0
