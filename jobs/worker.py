"""Worker entry points: `flask worker`, `flask scheduler`, and the embedded runtime for `make run`."""
from __future__ import annotations

import logging
import threading
import time

from rq import SimpleWorker, Worker
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from app.extensions import db
from app.services.tasks import QUEUES
from app.services.tasks import connection as redis_connection
from jobs.schedule import make_scheduler, register_periodic_jobs

log = logging.getLogger(__name__)


def run_worker(app, queues: list[str] | None = None, burst: bool = False) -> bool:
    """A production RQ worker. The app context pushed here is inherited by each forked work horse."""
    names = list(queues or QUEUES)
    with app.app_context():
        db.engine.dispose()  # never share pooled connections with forked children
        worker = Worker(names, connection=redis_connection(app))
        return worker.work(burst=burst, with_scheduler=True)


def run_scheduler(app, burst: bool = False, interval: int = 10) -> None:
    with app.app_context():
        scheduler = make_scheduler(redis_connection(app), interval=interval)
        ids = register_periodic_jobs(scheduler)
        log.info("registered periodic jobs: %s", ", ".join(ids) or "(none)")
        scheduler.run(burst=burst)


class ThreadWorker(SimpleWorker):
    """A SimpleWorker that can live in a background thread (no signals; timer-based timeouts)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


class EmbeddedRuntime:
    """One background thread that does the work of the worker and scheduler processes.

    Used when REDIS_URL is unset: the queue is an in-process fake Redis, so the jobs must run in
    this process too.
    """

    def __init__(self, app, poll_seconds: float = 1.0):
        self.app = app
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self.app.app_context():
            register_periodic_jobs(make_scheduler(redis_connection(self.app)))
        self._thread = threading.Thread(target=self._loop, name="levqor-embedded-runtime", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def run_once(self) -> None:
        """Move due periodic and retry jobs onto their queues, then drain the queues."""
        with self.app.app_context():
            connection = redis_connection(self.app)
            make_scheduler(connection).enqueue_jobs()
            retries = RQScheduler(list(QUEUES), connection=connection)
            retries.prepare_registries(list(QUEUES))
            retries.enqueue_scheduled_jobs()
            ThreadWorker(list(QUEUES), connection=connection).work(burst=True, logging_level="WARNING")

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep the runtime alive; the job's own failure is in RQ's registry
                log.exception("embedded runtime iteration failed")
            time.sleep(self.poll_seconds)
