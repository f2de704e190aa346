"""Worker entry points: `flask worker`, `flask scheduler`, and the embedded runtime for `make run`."""
from __future__ import annotations

import gc
import logging
import os
import threading
import time

from rq import SimpleWorker
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from app.common import metrics
from app.common.tasks import QUEUES
from app.common.tasks import connection as redis_connection
from app.extensions import db
from app.status import worker_health
from jobs.schedule import PeriodicScheduler, make_scheduler, register_periodic_jobs
from jobs.supervise import SurvivingWorker, Unreachable, check_dependencies, keep_running

log = logging.getLogger(__name__)


def run_worker(app, queues: list[str] | None = None, burst: bool = False) -> bool:
    """A production RQ worker. The app context pushed here is inherited by each forked work horse.

    Heartbeats every WORKER_JOB_MONITORING_INTERVAL seconds (15 by default) let the DSAR sweeper tell
    a dead worker within 2 minutes (app/dsar/recovery.py). Without Redis or the database it says so
    and waits with back-off instead of exiting (jobs/supervise.py); a worker loop that RQ ends after
    losing Redis mid-run is started again the same way."""
    names = list(queues or QUEUES)
    with app.app_context():
        warm_for_forks(app)
        db.engine.dispose()  # never share pooled connections with forked children
        connection = redis_connection(app)
        interval = app.config["WORKER_JOB_MONITORING_INTERVAL"]

        def work() -> bool:
            worker = MeteredWorker(names, connection=connection, job_monitoring_interval=interval)
            worked = worker.work(burst=burst, with_scheduler=True)
            # A signal (warm shutdown) stamps _shutdown_requested_date; an idle worker's stop never sets
            # _stop_requested. Anything else ending the loop means RQ lost Redis.
            stopped = worker._stop_requested or worker._shutdown_requested_date is not None
            if not burst and not stopped:
                raise Unreachable("the worker loop stopped (RQ lost its Redis connection)")
            return worked

        def probe() -> None:
            check_dependencies(app, connection)
            db.engine.dispose()  # the probe's pooled connection must not be inherited by forked work horses

        return keep_running("worker", work, probe=probe)


class MeteredWorker(SurvivingWorker):
    """Its work horses write their job metrics to one file per worker (app/common/metrics.py)."""

    def main_work_horse(self, job, queue):
        metrics.as_work_horse_of(os.getppid())
        return super().main_work_horse(job, queue)


def warm_for_forks(app) -> None:
    """Work done once in the worker, inherited by every forked work horse instead of redone in each: the
    storage adapter (boto3's import and S3 client cost ~0.2 s; building it opens no connection) and the
    compiled archive and mail templates (~0.01 s a job); see docs/performance.md."""
    from app.common.storage import get_storage

    try:
        get_storage()
    except Exception:  # misconfigured storage: the job reports it properly
        log.warning("storage adapter not built before forking", exc_info=True)
    env = app.jinja_env
    for name in env.list_templates(filter_func=lambda n: n.startswith(("archive/", "mail/"))):
        env.get_template(name)
    gc.collect()  # start clean: what is frozen at each fork is then what the worker really holds


def run_scheduler(app, burst: bool = False, interval: int = 10) -> None:
    """Registers the periodic jobs (again after every reconnect: Redis may have come back empty;
    fixed ids keep one copy of each) and runs rq-scheduler, waiting out Redis or database outages.
    Every SCHEDULER_RECONCILE_SECONDS it puts back a periodic job that went missing and catches up a
    slot that passed unqueued (jobs/schedule.py)."""
    with app.app_context():
        connection = redis_connection(app)

        def schedule():
            scheduler = PeriodicScheduler(connection=connection, interval=interval,
                                          reconcile_seconds=app.config["SCHEDULER_RECONCILE_SECONDS"])
            ids = register_periodic_jobs(scheduler)
            log.info("registered periodic jobs: %s", ", ".join(ids) or "(none)")
            scheduler.run(burst=burst)

        keep_running("scheduler", schedule, probe=lambda: check_dependencies(app, connection))


class ThreadWorker(SimpleWorker):
    """A SimpleWorker that can live in a background thread (no signals; timer-based timeouts)."""

    death_penalty_class = TimerDeathPenalty
    runtime: EmbeddedRuntime | None = None

    def _install_signal_handlers(self):
        pass

    def execute_job(self, job, queue):
        if self.runtime is not None:  # a heartbeat before each job, so a queue of jobs is not "stopped"
            self.runtime.beat()
        return super().execute_job(job, queue)


class EmbeddedRuntime:
    """One background thread that does the work of the worker and scheduler processes.

    Used when REDIS_URL is unset: the queue is an in-process fake Redis, so the jobs must run in
    this process too. While its thread runs it is registered with the app and stamps `heartbeat`
    (epoch seconds) on every loop and before every job: the workflows check reads that stamp.
    """

    def __init__(self, app, poll_seconds: float = 1.0):
        self.app = app
        self.poll_seconds = poll_seconds
        self.heartbeat = 0.0
        self.periodic = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, periodic: bool = True) -> EmbeddedRuntime:
        """`periodic=False` runs only what is queued (tests that must not see the cron jobs fire)."""
        if periodic:
            with self.app.app_context():
                register_periodic_jobs(make_scheduler(redis_connection(self.app)))
        self.periodic = periodic
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="levqor-embedded-runtime", daemon=True)
        self._thread.start()
        worker_health.register_runtime(self.app, self)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        worker_health.unregister_runtime(self.app, self)

    def beat(self) -> None:
        self.heartbeat = time.time()

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_once(self) -> None:
        """Move due periodic and retry jobs onto their queues, then drain the queues."""
        with self.app.app_context():
            connection = redis_connection(self.app)
            if self.periodic:
                make_scheduler(connection).enqueue_jobs()
            retries = RQScheduler(list(QUEUES), connection=connection)
            retries.prepare_registries(list(QUEUES))
            retries.enqueue_scheduled_jobs()
            worker = ThreadWorker(list(QUEUES), connection=connection)
            worker.runtime = self
            worker.work(burst=True, logging_level="WARNING")

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.beat()
            try:
                self.run_once()
            except Exception:  # keep the runtime alive; the job's own failure is in RQ's registry
                log.exception("embedded runtime iteration failed")
            self._stop.wait(self.poll_seconds)


_START_LOCK = threading.Lock()


def ensure_embedded_runtime(app) -> EmbeddedRuntime | None:
    """Start this process's embedded runtime once (idempotent); None outside embedded mode."""
    if not app.config.get("EMBEDDED_QUEUE"):
        return None
    with _START_LOCK:
        runtime = app.extensions.get(worker_health.RUNTIME_KEY)
        if runtime is None or not runtime.is_alive():
            runtime = EmbeddedRuntime(app).start()
    return runtime


def autostart_embedded_runtime(app) -> None:
    """In embedded mode the app that serves requests also runs the jobs: the first request starts the
    runtime (gunicorn or `flask serve` alike), while CLI commands such as `db upgrade` start nothing."""
    if not (app.config.get("EMBEDDED_QUEUE") and app.config.get("EMBEDDED_RUNTIME_AUTOSTART")):
        return

    @app.before_request
    def _start_runtime():
        if worker_health.RUNTIME_KEY not in app.extensions:
            ensure_embedded_runtime(app)
