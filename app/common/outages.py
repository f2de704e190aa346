"""Which failures mean "a dependency is away" (PostgreSQL, Redis, object storage) rather than a bug.

Surfaces answer those with 503 + Retry-After (JSON under /api/), so a client knows to come back;
long-running processes use the same test to back off and retry instead of exiting.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Down:
    name: str
    code: str
    message: str
    retry_after: int


DATABASE = Down("database", "database_unavailable",
                "Our database is not reachable right now. Nothing was changed; try again in a minute.", 30)
REDIS = Down("queue", "queue_unavailable",
             "Our job queue is not reachable right now. Nothing was changed; try again in a minute.", 30)
STORAGE = Down("storage", "storage_unavailable",
               "Our file storage is not reachable right now. Nothing was changed; try again in a minute.", 60)


def unavailable_dependency(exc: BaseException) -> Down | None:
    """The dependency behind a connection-level failure, or None for anything else."""
    for candidate in _chain(exc):
        down = _classify(candidate)
        if down:
            return down
    return None


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _classify(exc: BaseException) -> Down | None:
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return DATABASE
    if type(exc).__module__.startswith("psycopg") and type(exc).__name__ in ("OperationalError", "InterfaceError"):
        return DATABASE
    if isinstance(exc, RedisConnectionError | RedisTimeout):
        return REDIS
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError | ConnectTimeoutError | ReadTimeoutError):
        return STORAGE
    return None


def forget_broken_session() -> None:
    """Roll back whatever the failed request left in the session; the pool re-checks connections."""
    from app.extensions import db

    try:
        db.session.rollback()
        db.session.remove()
    except Exception:  # the connection is gone anyway
        log.debug("session cleanup after an outage failed", exc_info=True)
