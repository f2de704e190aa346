"""Public status JSON: GET /api/status (SPEC) and Statuspage-compatible /api/v2/{summary,status}.json.

All three are served from the shared cache; they are public and read-only, so any origin may read them.
"""
import json

from flask import Blueprint, Response, request

from app.services import status, status_cache, status_feeds

bp = Blueprint("api_status", __name__, url_prefix="/api")


def _json(body: bytes) -> Response:
    response = Response(body, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=30"
    return response


@bp.get("/status")
def get_status():
    window = request.args.get("window", "24h")
    return _json(status.cached_status_json(window))


@bp.get("/v2/summary.json")
def statuspage_summary():
    return _json(status_cache.get_or_build("v2:summary", lambda: json.dumps(status_feeds.summary_json())))


@bp.get("/v2/status.json")
def statuspage_status():
    return _json(status_cache.get_or_build("v2:status", lambda: json.dumps(status_feeds.status_json())))
