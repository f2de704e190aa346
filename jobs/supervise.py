"""Long-running processes survive their dependencies: a Redis or PostgreSQL outage makes the worker
and the scheduler wait and reconnect with back-off, logging one line when it starts and one when it
ends, instead of exiting (which left the scheduler dead until someone restarted it by hand)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from rq import Worker

from app.services import outages

log = logging.getLogger("levqor.supervise")
MAX_DELAY = 30.0


def keep_running(name: str, start: Callable[[], object], probe: Callable[[], object], *,
                 sleep: Callable[[float], None] = time.sleep, max_delay: float = MAX_DELAY):
    """Run `start()` until it returns. On a connection-level failure (of `probe()` or of `start()`
    itself) wait, probe again with exponential back-off and then call `start()` afresh; any other
    error is a bug and propagates."""
    delay, outage_since = 1.0, None
    while True:
        try:
            probe()
            if outage_since is not None:
                log.warning("%s: dependencies are back after %.0f s; starting again", name,
                            time.monotonic() - outage_since)
                outage_since, delay = None, 1.0
            return start()
        except Exception as exc:
            down = outages.unavailable_dependency(exc)
            if down is None:
                raise
            if outage_since is None:
                outage_since = time.monotonic()
                log.warning("%s: %s unavailable (%s); waiting and reconnecting with back-off up to %.0f s", name,
                            down.name, (str(exc).splitlines() or [type(exc).__name__])[0][:200], max_delay)
            sleep(delay)
            delay = min(delay * 2, max_delay)


class SurvivingWorker(Worker):
    """An RQ worker that notices when Redis came back empty and registers itself again, so it is
    listed as alive (and its heartbeat means something) without a restart."""

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is None and not self.connection.exists(self.key):
            log.warning("worker %s: Redis lost this worker's registration (restarted empty?); registering again",
                        self.name)
            self.register_birth()
        return super().heartbeat(timeout, pipeline=pipeline)
