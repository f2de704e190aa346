"""rq-dashboard at /admin/rq, for admins only (its requeue/delete routes also accept GET)."""
import rq_dashboard
from flask import current_app, request
from flask_admin.menu import MenuLink
from rq_dashboard import web as rq_web
from rq_dashboard.web import setup_rq_connection

from app.auth import deny, is_admin
from app.extensions import csrf
from app.services.tasks import connection

EMBEDDED_URL = "redis://embedded"  # config.Config.RQ_DASHBOARD_REDIS_URL when REDIS_URL is unset


def mount_rq_dashboard(app, admin) -> None:
    bp = rq_dashboard.blueprint
    # App-level hooks run before the blueprint's own (rq-dashboard's connection hook), so nothing of
    # the dashboard runs for a non-admin.
    app.before_request(_admins_only)
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


def _admins_only():
    if request.blueprint != "rq_dashboard" or is_admin():
        return None
    return deny()


def _embedded_aware_from_url(original):
    """rq-dashboard opens a client per request from its URL; the embedded fake Redis has no URL, so
    hand it the app's own connection instead."""
    def from_url(url, **kwargs):
        if url == EMBEDDED_URL:
            return None, current_app.redis_conn
        return original(url, **kwargs)

    return from_url
