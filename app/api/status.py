"""Public status JSON: GET /api/status (SPEC) and Statuspage-compatible /api/v2/{summary,status}.json.

All three are served from the shared cache (gzip-compressed for clients that accept it); they are
public and read-only, so any origin may read them.
"""
import json

from flask import Blueprint, request

from app.extensions import limiter
from app.services import status, status_feeds
from app.web import cached_response

bp = Blueprint("api_status", __name__, url_prefix="/api")
HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=30"}


def _cached(key, build):
    return cached_response(key, build, "application/json", HEADERS)


@bp.get("/status")
@limiter.exempt  # cached and meant to take a spike during an outage: no throttle bookkeeping
def get_status():
    window = request.args.get("window", "24h")
    if window not in status.WINDOWS:
        status.history(window)  # raises the 422 with the allowed values
    return _cached(f"api:{window}", lambda: json.dumps(status.status_payload(window)))


@bp.get("/v2/summary.json")
@limiter.exempt
def statuspage_summary():
    return _cached("v2:summary", lambda: json.dumps(status_feeds.summary_json()))


@bp.get("/v2/status.json")
@limiter.exempt
def statuspage_status():
    return _cached("v2:status", lambda: json.dumps(status_feeds.status_json()))
