"""What ops see: GET /metrics (Prometheus), the request id on every response, and one metric sample
and (LOG_FORMAT=json) one log line per request.

/metrics takes `Authorization: Bearer $METRICS_TOKEN` from any address when METRICS_TOKEN is set, and
only loopback callers when it is not (README, "Metrics and logs").
"""
from __future__ import annotations

import contextlib
import time

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_login import AnonymousUserMixin
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

from app.common import jsonlog, metrics
from app.extensions import limiter

bp = Blueprint("ops", __name__)
UNMATCHED = "<unmatched>"  # 404s without a route: one label value, not one per scanned path


@bp.get("/metrics")
@limiter.exempt
def scrape():
    config = current_app.config
    if not metrics.may_scrape(config.get("METRICS_TOKEN"), request.headers.get("Authorization"),
                              request.remote_addr):
        return jsonify(ok=False, error="forbidden",
                       message="Metrics need the METRICS_TOKEN bearer token (or, unset, a loopback caller)."), 403
    from app.console.metrics import LevqorCollector

    body = metrics.exposition(LevqorCollector(current_app._get_current_object()))
    return Response(body, content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def _start() -> None:
    g.ops_started = time.perf_counter()
    g.request_id = jsonlog.request_id(request.headers.get(jsonlog.REQUEST_ID_HEADER))
    g.ops_log_token = jsonlog.bind(request_id=g.request_id)


def _finish(response):
    started = g.pop("ops_started", None)
    if started is None:  # a response from before our first hook ran (an early abort)
        return response
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    metrics.observe_request(request.method, route, response.status_code, seconds)
    jsonlog.log_request(request.method, route, response.status_code, seconds, _user_id())
    response.headers[jsonlog.REQUEST_ID_HEADER] = g.request_id
    return response


def _user_id() -> int | None:
    """The signed-in user's id, read from the identity map: after a database outage the user row may be
    expired and detached, and the request line must never fail (nor query) because of it."""
    user = g.get("_login_user")
    if user is None or isinstance(user, AnonymousUserMixin):
        return None
    try:
        identity = inspect(user).identity
    except NoInspectionAvailable:  # not a model (the user loader's outage stand-in)
        return getattr(user, "id", None)
    return identity[0] if identity else None


def _unbind(_exc=None) -> None:
    token = g.pop("ops_log_token", None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context (a test client reusing one)
            jsonlog.CONTEXT.reset(token)


def init_app(app) -> None:
    """Before every other hook, so a request refused early (throttled, hostile input) is counted too."""
    metrics.setup(app)
    jsonlog.configure(app.config.get("LOG_FORMAT", "text"))
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_unbind)
    app.register_blueprint(bp)
