"""Public status JSON: GET /api/status (SPEC) and Atlassian Statuspage's public v2 read API
(summary, status, components, incidents, incidents/unresolved, scheduled-maintenances and its
upcoming/active views).

All are served from the shared cache (gzip-compressed for clients that accept it); they are
public and read-only, so any origin may read them.
"""
import json

from flask import Blueprint, request

from app.extensions import limiter
from app.status import page, v2
from app.web import cached_response

bp = Blueprint("api_status", __name__, url_prefix="/api")
HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=30"}


def _cached(key, build):
    return cached_response(key, build, "application/json", HEADERS)


@bp.get("/status")
@limiter.exempt  # cached and meant to take a spike during an outage: no throttle bookkeeping
def get_status():
    window = request.args.get("window", "24h")
    if window not in page.WINDOWS:
        page.history(window)  # raises the 422 with the allowed values
    return _cached(f"api:{window}", lambda: json.dumps(page.status_payload(window)))


# Statuspage v2: path → (cache key, builder). Each answer is cached and invalidated like summary.json.
V2 = {
    "summary.json": v2.summary_json,
    "status.json": v2.status_json,
    "components.json": v2.components_json,
    "incidents.json": v2.incidents_json,
    "incidents/unresolved.json": v2.unresolved_json,
    "scheduled-maintenances.json": lambda: v2.maintenances_json("all"),
    "scheduled-maintenances/upcoming.json": lambda: v2.maintenances_json("upcoming"),
    "scheduled-maintenances/active.json": lambda: v2.maintenances_json("active"),
}


def _v2_view(path: str, build):
    def view():
        return _cached(f"v2:{path}", lambda: json.dumps(build()))
    return view


for _path, _build in V2.items():
    bp.add_url_rule(f"/v2/{_path}", endpoint="v2_" + _path.replace("/", "_").replace("-", "_").replace(".", "_"),
                    view_func=limiter.exempt(_v2_view(_path, _build)), methods=["GET"])
