"""Keep `flask worker` and `flask scheduler` alive while Redis or the database is away.

A process that exits with a traceback every time Redis restarts turns a 30-second blip into a page
(and left the scheduler dead until someone restarted it by hand). Instead each process checks its
dependencies, says in one plain line what it cannot reach, waits (1 s, 2 s, 4 s … at most 30 s) and
tries again, logging one line when the outage starts and one when it ends.
"""
from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import redis.exceptions
import sqlalchemy.exc
from rq import Worker
from sqlalchemy import text

from app.common import outages

log = logging.getLogger("levqor.supervise")
FIRST_DELAY = 1.0
MAX_DELAY = 30.0
LOCK_RETRY_SECONDS = 30.0  # how often a worker without any scheduler lock asks for one again


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


def _outage_message(exc: Exception) -> str | None:
    """What to tell ops about a connection-level failure, or None for anything else (a bug)."""
    down = outages.unavailable_dependency(exc)
    if down is None and not isinstance(exc, Unreachable):
        return None
    detail = str(exc) if isinstance(exc, Unreachable) else _reason(exc)
    return f"{down.name if down else 'a dependency'} unavailable ({detail})"


def keep_running(name: str, start: Callable[[], object], probe: Callable[[], object], *,
                 sleep: Callable[[float], None] = time.sleep, first_delay: float = FIRST_DELAY,
                 max_delay: float = MAX_DELAY):
    """probe() then start() until it returns. On a connection-level failure (of `probe()` or of
    `start()` itself) log one line when the outage starts, wait, and try again with exponential
    back-off; one more line when it ends. Any other error is a bug and propagates."""
    delay, outage_since = first_delay, None
    while True:
        try:
            probe()
            if outage_since is not None:
                log.warning("%s: dependencies are back after %.0f s; starting again", name,
                            time.monotonic() - outage_since)
                outage_since, delay = None, first_delay
            return start()
        except Exception as exc:
            message = _outage_message(exc)
            if message is None:
                raise
            if outage_since is None:
                outage_since = time.monotonic()
                log.error("%s: %s; waiting and reconnecting with back-off up to %.0f s", name, message, max_delay)
            else:
                log.debug("%s: still waiting: %s; next try in %.0f s", name, message, delay)
            sleep(delay)
            delay = min(delay * 2, max_delay)


class SurvivingWorker(Worker):
    """An RQ worker that notices when Redis came back empty and registers itself again, so it is
    listed as alive (and its heartbeat means something) without a restart."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._owner_pid = os.getpid()
        self._burst = False

    def work(self, burst: bool = False, **kwargs):
        self._burst = burst
        return super().work(burst=burst, **kwargs)

    def request_stop(self, signum, frame):
        if os.getpid() != self._owner_pid:
            # RQ forks its scheduler child with this handler still installed. A SIGTERM that lands before
            # the child installs its own (stop_scheduler sends one as soon as a short run ends) is meant
            # for the scheduler; run as the worker's it would stop a worker that is not this process and
            # die on "can only join a child process", keeping its locks until they expire.
            if self.scheduler is not None:
                self.scheduler.request_stop()
            return
        super().request_stop(signum, frame)

    def fork_work_horse(self, job, queue):
        # The work horse's garbage collector would otherwise walk every object inherited from this
        # process, writing to each and so copying the whole heap page by page (copy-on-write): measured
        # 60-70 ms at the start of every job. Frozen objects are left alone (Python's gc docs advise
        # freezing before fork() without exec()); what the worker itself creates later is frozen at
        # the next fork.
        gc.freeze()
        return super().fork_work_horse(job, queue)

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is None and not self.connection.exists(self.key):
            log.warning("worker %s: Redis lost this worker's registration (restarted empty?); registering again",
                        self.name)
            self.register_birth()
        result = super().heartbeat(timeout, pipeline=pipeline)
        if pipeline is None:
            self._revive_scheduler()
        return result

    def _revive_scheduler(self) -> None:
        """RQ's scheduler child (it moves due Retry and enqueue_in jobs onto their queues) ends on any Redis
        error, and RQ starts it again only at its 10-minute maintenance. This heartbeat just reached Redis:
        start it again now. Never while the worker is stopping (a SIGTERM to the process group ends the
        child first), and never in a way that could end the worker loop."""
        scheduler = self.scheduler
        if scheduler is None or self._burst or self._stop_requested or self._shutdown_requested_date is not None:
            return  # a burst runs no scheduler child: it enqueued what was due when it began
        process = scheduler._process
        if process is None and time.monotonic() < getattr(self, "_locks_busy_until", 0):
            return  # every lock was held by another worker's scheduler a moment ago: ask again later
        try:
            if process is not None and (process._parent_pid != os.getpid() or process.is_alive()):
                return  # alive, or this is a work horse (only the worker that started the child may look)
            if not scheduler.acquire_locks(auto_start=True):
                self._locks_busy_until = time.monotonic() + LOCK_RETRY_SECONDS
            elif scheduler._process is not process:
                log.warning("worker %s: retry scheduler started again (PID %s)", self.name, scheduler._process.pid)
        except Exception as exc:  # Redis went away again: the next heartbeat tries again
            log.debug("worker %s: retry scheduler not started again yet: %s", self.name, _reason(exc))
