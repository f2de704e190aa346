"""Public pages: /signin, /pricing, /data-requests, /status, /sla-credits."""
from flask import Blueprint

bp = Blueprint("public", __name__, template_folder="templates")  # static files: the app's /static


def register_public(app) -> None:
    from public import (
        accounts,  # noqa: F401  (/, /signin, /signout, /pricing)
        dsar,  # noqa: F401  (/data-requests)
        language,  # noqa: F401  (/language, the selector)
        sla,  # noqa: F401  (/sla-credits)
        status,  # noqa: F401  (/status, /status/feed.atom)
        subscriptions,  # noqa: F401  (/status/subscribe, confirm, unsubscribe)
    )
    from public.context import register_context

    app.register_blueprint(bp)
    register_context(app)
