"""RQ jobs, the scheduler's periodic jobs and worker entry points.

Jobs take ids, reload what they need and are safe to run twice. Each one declares its queue,
timeout, ttls and retries with @job (jobs/queues.py).
"""


def init_app(app) -> None:
    """Give the app the registry of jobs by id, so services can enqueue without importing jobs/."""
    from app.common import tasks
    from jobs import dsar, mail, sla, status, status_notify, storage  # noqa: F401  (each declares its jobs)
    from jobs.queues import REGISTRY
    from jobs.worker import autostart_embedded_runtime

    tasks.init_app(app, REGISTRY)
    autostart_embedded_runtime(app)
