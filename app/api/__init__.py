"""JSON API blueprints, one module per domain: thin layers that parse, call the domain and serialize.

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
    from app.api import accounts, dsar, openapi, sla, status, subscriptions

    # One thin module per domain; a domain with a staff API holds both blueprints (BLUEPRINTS).
    for module in (accounts, sla, status, subscriptions, dsar, openapi):
        for blueprint in getattr(module, "BLUEPRINTS", (module.bp,)):
            app.register_blueprint(blueprint)
