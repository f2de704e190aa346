"""JSON API blueprints: thin layers that parse, call a service and serialize.

Unknown /api/* paths need no catch-all: the error handlers answer JSON for anything under /api/.
"""
from flask import request

from app.services.errors import ValidationFailed


def json_body() -> dict:
    """The request's JSON object, or a 400 JSON error for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object with Content-Type: application/json.",
                               code="bad_request", status=400)
    return data


def register_api(app) -> None:
    from app.api import admin_dsar, admin_sla, admin_status, auth, dsar, sla, status

    for module in (auth, sla, admin_sla, status, dsar, admin_dsar, admin_status):
        app.register_blueprint(module.bp)
