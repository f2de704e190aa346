"""Read by gunicorn from the working directory (the Procfile's `web` process).

gunicorn answers a header line over 8190 bytes with its own HTML 400 before the app sees it; let
lines up to 128 KiB through so the app's input guard (app/request_guard.py) refuses them with the
JSON error the API promises. The number of header lines stays capped at gunicorn's default 100.
"""
import ipaddress
import os
import sys

limit_request_field_size = 131072
limit_request_line = 8190


# Two gunicorns on one host shared gunicorn's default control socket (~/.gunicorn/gunicorn.ctl): it is off
# unless GUNICORN_CONTROL_SOCKET names this instance's own path (README "Production processes").
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or os.path.expanduser("~/.gunicorn/gunicorn.ctl")

def _reset_metrics_dir() -> None:
    """Prometheus multiprocess files (app/common/metrics.py): start from an empty directory, so figures of
    processes from an earlier run are not summed in; the workers inherit the variable."""
    import glob

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


def _redact_tokens_in_logs() -> None:
    from app.common import logredact  # imported in the hook: gunicorn has put the app's folder on sys.path

    logredact.install()


def _is_loopback_bind(bind: str) -> bool:
    if bind.startswith(("unix:", "fd://")):
        return True
    host = (bind[1:].split("]")[0] if bind.startswith("[") else bind.split(":")[0]).lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse_the_development_key_on_an_open_address(server) -> None:
    """The public development SECRET_KEY only on loopback: listening on 0.0.0.0 (the Procfile) or any
    other address lets the network forge session cookies, whatever PUBLIC_BASE_URL says."""
    from config import DEV_SECRET_KEY

    if (os.environ.get("SECRET_KEY") or DEV_SECRET_KEY) != DEV_SECRET_KEY:
        return
    exposed = [bind for bind in server.cfg.bind if not _is_loopback_bind(bind)]
    if exposed:
        sys.exit(f"SECRET_KEY is not set, and gunicorn binds {', '.join(exposed)}: Levqor refuses to serve "
                 "beyond this machine with the public development key (set SECRET_KEY, or bind 127.0.0.1).")


def on_starting(server):  # the master: the key check, the metrics folder, then its error log
    _refuse_the_development_key_on_an_open_address(server)
    _reset_metrics_dir()
    _redact_tokens_in_logs()


def post_fork(server, worker):  # each worker's access and error log, before the app is loaded
    _redact_tokens_in_logs()
