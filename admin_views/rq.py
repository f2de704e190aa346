"""rq-dashboard at /admin/rq, for admins only.

Its JavaScript posts without our CSRF token, so the blueprint is exempt from CSRFProtect; instead a
state change must come from our own pages (Origin / Sec-Fetch-Site), never by GET (its requeue route
accepts GET, so a mere link could requeue jobs), and every one is audited.
"""
import rq_dashboard
from flask import abort, current_app, has_request_context, request
from flask_admin.menu import MenuLink
from flask_login import current_user
from rq_dashboard import web as rq_web
from rq_dashboard.web import setup_rq_connection
from werkzeug.exceptions import MethodNotAllowed

from app.auth import deny, is_admin
from app.common import audit
from app.common.tasks import connection
from app.extensions import csrf
from app.security import is_same_origin

# rq-dashboard's endpoints that change queues or jobs → the audit action they record.
ACTIONS = {
    "rq_dashboard.delete_job_view": "rq.job_deleted",
    "rq_dashboard.requeue_job_view": "rq.job_requeued",
    "rq_dashboard.requeue_all": "rq.failed_requeued",
    "rq_dashboard.empty_queue": "rq.registry_emptied",
    "rq_dashboard.compact_queue": "rq.queue_compacted",
}

EMBEDDED_URL = "redis://embedded"  # config.Config.RQ_DASHBOARD_REDIS_URL when REDIS_URL is unset


def mount_rq_dashboard(app, admin) -> None:
    bp = rq_dashboard.blueprint
    # App-level hooks run before the blueprint's own (rq-dashboard's connection hook), so nothing of
    # the dashboard runs for a non-admin.
    app.before_request(_admins_only)
    app.after_request(_audit_action)
    csrf.exempt(bp)
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
    app.register_blueprint(bp, url_prefix="/admin/rq")
    setup_rq_connection(app)
    if app.config.get("EMBEDDED_QUEUE") and not getattr(rq_web, "_levqor_embedded", False):
        rq_web.from_url = _embedded_aware_from_url(rq_web.from_url)
        rq_web._levqor_embedded = True
    # Same connection the app enqueues on (in embedded mode, the in-process fake Redis).
    app.redis_conn = connection(app)
    admin.add_link(MenuLink(name="Queues", url="/admin/rq/", category=None))

    @app.context_processor
    def _console_menu():
        """rq-dashboard's pages show the console's own grouped menu (rq_dashboard/navbar.html). Mails are
        rendered outside any request (jobs): nothing to add there."""
        on_rq = has_request_context() and request.blueprint == "rq_dashboard"
        return {"console_menu": admin.menu()} if on_rq else {}


def _admins_only():
    if request.blueprint != "rq_dashboard":
        return None
    if not is_admin():
        return deny()
    if request.endpoint in ACTIONS:
        if request.method != "POST":
            raise MethodNotAllowed(valid_methods=["POST"], description="Queue actions need a POST from the dashboard.")
        if not is_same_origin():
            abort(403, "Queue actions are only accepted from this site's own pages.")
    return None


def _audit_action(response):
    if request.blueprint == "rq_dashboard" and request.endpoint in ACTIONS and response.status_code == 200:
        details = dict(request.view_args or {})
        if response.is_json and isinstance(response.get_json(silent=True), dict):
            details["result"] = {k: v for k, v in response.get_json().items() if k in ("status", "count")}
        audit.record(ACTIONS[request.endpoint], actor_id=current_user.id, target_type="rq",
                     target_id=details.get("job_id") or details.get("queue_name"), details=details, commit=True)
    return response


def _embedded_aware_from_url(original):
    """rq-dashboard opens a client per request from its URL; the embedded fake Redis has no URL, so
    hand it the app's own connection instead."""
    def from_url(url, **kwargs):
        if url == EMBEDDED_URL:
            return None, current_app.redis_conn
        return original(url, **kwargs)

    return from_url
