"""Read by gunicorn from the working directory (the Procfile's `web` process).

gunicorn answers a header line over 8190 bytes with its own HTML 400 before the app sees it; let
lines up to 128 KiB through so the app's input guard (app/request_guard.py) refuses them with the
JSON error the API promises. The number of header lines stays capped at gunicorn's default 100.
"""
limit_request_field_size = 131072
limit_request_line = 8190


def _redact_tokens_in_logs() -> None:
    from app.common import logredact  # imported in the hook: gunicorn has put the app's folder on sys.path

    logredact.install()


def on_starting(server):  # the master's error log
    _redact_tokens_in_logs()


def post_fork(server, worker):  # each worker's access and error log, before the app is loaded
    _redact_tokens_in_logs()
