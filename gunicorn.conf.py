"""Read by gunicorn from the working directory (the Procfile's `web` process).

gunicorn answers a header line over 8190 bytes with its own HTML 400 before the app sees it; let
lines up to 128 KiB through so the app's input guard (app/request_guard.py) refuses them with the
JSON error the API promises. The number of header lines stays capped at gunicorn's default 100.
"""
limit_request_field_size = 131072
limit_request_line = 8190


def on_starting(server):
    """Prometheus multiprocess files (app/common/metrics.py): start from an empty directory, so figures of
    processes from an earlier run are not summed in; the workers inherit the variable."""
    import glob
    import os

    from config import Config

    path = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", Config.PROMETHEUS_MULTIPROC_DIR)
    os.makedirs(path, exist_ok=True)
    for name in glob.glob(os.path.join(path, "*.db")):
        os.remove(name)


def child_exit(server, worker):
    """A dead worker's live gauges go; its counters keep counting (prometheus_client only, no app import
    in the master: shutting down must stay quick)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
