"""A two-level cache for the status page, the status JSON and the banners.

Level 1 is Redis, shared by every gunicorn worker (the embedded fake Redis in `make run`). Level 2 is
a tiny per-process copy kept STATUS_LOCAL_CACHE_SECONDS (default 2 s), so a traffic spike costs no
network round trip per request.

Freshness: writers (a new snapshot, an incident change) call `invalidate()`, which bumps a generation
number; a build that started before the bump is not stored (WATCH on the generation), so a change
can't be overwritten by a slow rebuild. Values are fresh for STATUS_CACHE_TTL (at most 60 s: the
safety net for changes made behind our back, e.g. plain SQL). After that, or after a bump, ONE request
per key and generation (holding a short Redis lock) rebuilds while every other request keeps serving
the previous copy (of an older generation too) until the new one is stored: an expiry or an
invalidation under load, e.g. a snapshot every minute during a database outage, costs one rebuild,
never a stampede of identical ones. Copies are kept KEEP_SECONDS, so there is almost always one to
serve; only a key never built (or unused for that long) makes the others wait, and they wait for the
builder's lock (at most LOCK_SECONDS), not for a fixed time after which they would all rebuild too.
If Redis is unreachable the page is built on every request instead of failing: a status page must
keep working when a dependency is down.
"""
from __future__ import annotations

import contextlib
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
KEEP_SECONDS = 24 * 3600  # how long a copy stays servable while a newer one is being built
LOCK_SECONDS = 10
POLL_SECONDS = 0.05
_EXT = "levqor_status_cache"


class LocalCopies:
    """This process's short-lived copies (key -> (expires, bytes)), owned by the app (app.extensions)."""

    def __init__(self):
        self.items: dict[str, tuple[float, bytes]] = {}
        self.lock = threading.Lock()


def local_copies(app=None) -> LocalCopies:
    ext = (app or current_app._get_current_object()).extensions
    if _EXT not in ext:
        ext.setdefault(_EXT, LocalCopies())
    return ext[_EXT]


def _redis():
    return redis_client()


def ttl() -> int:
    return max(1, min(int(current_app.config.get("STATUS_CACHE_TTL", 30)), MAX_TTL))


def _local_seconds() -> float:
    return float(current_app.config.get("STATUS_LOCAL_CACHE_SECONDS", 2))


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _unpack(raw: bytes | None) -> tuple[int, float, bytes] | None:
    """(generation, built_at, data) of a stored copy, of whatever generation."""
    if not raw:
        return None
    header, _, data = raw.partition(b"\n")
    gen, _, built_at = header.partition(b":")
    return int(gen), float(built_at), data


def _read(conn, key: str) -> tuple[int, tuple[int, float, bytes] | None]:
    gen, raw = conn.mget(GENERATION, PREFIX + key)
    return int(gen or 0), _unpack(raw)


def _fresh(cached, generation: int) -> bool:
    return cached is not None and cached[0] == generation and time.time() - cached[1] < ttl()


def _lock_key(key: str, generation: int) -> str:
    return f"{PREFIX}{key}:lock:{generation}"


def _store(conn, key: str, generation: int, data: bytes) -> None:
    """Store unless an invalidation happened since the build started (WATCH on the generation)."""
    value = f"{generation}:{time.time()}".encode() + b"\n" + data
    with conn.pipeline() as pipe:
        try:
            pipe.watch(GENERATION)
            if int(pipe.get(GENERATION) or 0) == generation:
                pipe.multi()
                pipe.set(PREFIX + key, value, ex=KEEP_SECONDS)
                pipe.execute()
        except WatchError:
            pass
    conn.delete(_lock_key(key, generation))


def _remember(key: str, data: bytes) -> bytes:
    seconds = _local_seconds()
    if seconds > 0:
        copies = local_copies()
        with copies.lock:
            copies.items[key] = (time.monotonic() + seconds, data)
    return data


def _wait_for_builder(conn, key: str, generation: int):
    """Nothing to serve yet and another request is building it: wait while its lock is held (it is
    released when the copy is stored, or expires), then take what it stored, if anything."""
    deadline = time.monotonic() + LOCK_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        _, cached = _read(conn, key)
        if cached is not None:
            return cached
        if not conn.exists(_lock_key(key, generation)):
            return None
    return None


def get_or_build(key: str, build: Callable[[], bytes | str]) -> bytes:
    hit = local_copies().items.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    try:
        conn = _redis()
        generation, cached = _read(conn, key)
        if _fresh(cached, generation):
            return _remember(key, cached[2])
        if not conn.set(_lock_key(key, generation), b"1", nx=True, ex=LOCK_SECONDS):
            # someone is rebuilding: the previous copy meanwhile, or (none yet) what the builder stores
            cached = cached or _wait_for_builder(conn, key, generation)
            if cached is not None:
                return _remember(key, cached[2])
    except Exception:  # Redis down: serve uncached rather than fail
        log.warning("status cache unavailable; building %s uncached", key, exc_info=True)
        return _as_bytes(build())
    return _build_and_store(conn, key, generation, build)


def _build_and_store(conn, key: str, generation: int, build: Callable[[], bytes | str]) -> bytes:
    try:
        data = _as_bytes(build())
    except BaseException:
        with contextlib.suppress(Exception):
            conn.delete(_lock_key(key, generation))  # the next request tries again
        raise
    try:
        _store(conn, key, generation, data)
    except Exception:
        log.warning("status cache unavailable; could not store %s", key, exc_info=True)
    return _remember(key, data)


def invalidate() -> int:
    """Make every cached status artefact stale at once; returns the new generation."""
    copies = local_copies()
    with copies.lock:
        copies.items.clear()
    try:
        return int(_redis().incr(GENERATION))
    except Exception:
        log.warning("status cache unavailable; nothing to invalidate", exc_info=True)
        return 0
