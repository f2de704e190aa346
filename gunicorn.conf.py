"""Read by gunicorn from the working directory (the Procfile's `web` process).

gunicorn answers a header line over 8190 bytes with its own HTML 400 before the app sees it; let
lines up to 128 KiB through so the app's input guard (app/request_guard.py) refuses them with the
JSON error the API promises. The number of header lines stays capped at gunicorn's default 100.
"""
limit_request_field_size = 131072
limit_request_line = 8190

# Two gunicorns on one host shared gunicorn's default control socket (~/.gunicorn/gunicorn.ctl): it is off
# unless GUNICORN_CONTROL_SOCKET names this instance's own path (README "Production processes").
import os  # noqa: E402

control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or os.path.expanduser("~/.gunicorn/gunicorn.ctl")
