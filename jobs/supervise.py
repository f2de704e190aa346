"""Keep `flask worker` and `flask scheduler` alive while Redis or the database is away.

Ops run these under a process manager, but a process that exits with a traceback every time Redis
restarts turns a 30-second blip into a page. Instead each process checks its dependencies, says in
one plain line what it cannot reach, waits (1 s, 2 s, 4 s … at most 30 s) and tries again.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import redis.exceptions
import sqlalchemy.exc
from sqlalchemy import text

log = logging.getLogger("levqor.supervise")

FIRST_DELAY = 1.0
MAX_DELAY = 30.0


class Unreachable(Exception):
    """A dependency did not answer; the message is meant for an operator's eyes."""


def where(url: str | None) -> str:
    """host:port of a connection URL, without credentials (they must never reach a log line)."""
    if not url:
        return "(not configured)"
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return parts.path or url
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port}" if parts.port else host


def check_dependencies(app, connection) -> None:
    """Ping Redis and run `SELECT 1` so a missing dependency is named before any work starts."""
    from app.extensions import db

    try:
        connection.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        raise Unreachable(f"Redis at {where(app.config.get('REDIS_URL'))} is not reachable ({_reason(exc)})") from exc
    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))  # through the session: the app context's teardown releases it
        except sqlalchemy.exc.DBAPIError as exc:
            raise Unreachable(
                f"the database at {where(app.config.get('SQLALCHEMY_DATABASE_URI'))} is not reachable "
                f"({_reason(exc)})"
            ) from exc


def _reason(exc: BaseException) -> str:
    """The first line of the driver's message: enough to act on, short enough for one log line."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return lines[0][:200] if lines else type(inner).__name__


def keep_running(name: str, start: Callable[[], object], probe: Callable[[], None], *,
                 sleep: Callable[[float], None] = time.sleep, first_delay: float = FIRST_DELAY,
                 max_delay: float = MAX_DELAY):
    """probe() then start(); when a dependency is missing or lost, log one line and retry with back-off.

    (Same shape as keep_running in the fault-tolerance work of issue 14, so either can take the other's probe.)
    """
    delay, failing = first_delay, False
    while True:
        try:
            probe()
            if failing:
                log.warning("%s: dependencies are back; starting again", name)
                delay, failing = first_delay, False
            return start()
        except Unreachable as exc:
            message = str(exc)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            message = f"lost Redis ({_reason(exc)})"
        except sqlalchemy.exc.OperationalError as exc:
            message = f"lost the database ({_reason(exc)})"
        failing = True
        log.error("%s: %s; retrying in %.0f s", name, message, delay)
        sleep(delay)
        delay = min(delay * 2, max_delay)
