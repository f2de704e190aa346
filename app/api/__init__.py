"""JSON API blueprints: thin layers that parse, call a service and serialize.

Unknown /api/* paths need no catch-all: the error handlers answer JSON for anything under /api/.
"""
from flask import request

from app.common import inputs


def json_body() -> dict:
    """The request's JSON object (decoded strictly by app.request_guard), or a 400 JSON error."""
    return inputs.json_object(request.get_json(silent=True))


def optional_json_body() -> dict:
    """Like json_body(), but an empty or non-JSON body is an empty object (for optional fields)."""
    data = request.get_json(silent=True)
    return {} if data is None else inputs.json_object(data)


def register_api(app) -> None:
    from app.api import admin_dsar, admin_sla, admin_status, auth, dsar, sla, status, status_subscribers

    for module in (auth, sla, admin_sla, status, status_subscribers, dsar, admin_dsar, admin_status):
        app.register_blueprint(module.bp)
