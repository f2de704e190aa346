"""Public status JSON: GET /api/status (SPEC) and Atlassian Statuspage's public v2 read API
(summary, status, components, incidents, incidents/unresolved, scheduled-maintenances and its
upcoming/active views).

All are served from the shared cache (gzip-compressed for clients that accept it); they are
public and read-only, so any origin may read them.

Staff (/api/admin/incidents, /api/admin/maintenances): incidents (create, post updates, resolve) and
scheduled maintenance (schedule, change before it starts, complete early, cancel).
"""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request
from flask_login import current_user

from app.api import json_body
from app.auth import admin_required
from app.extensions import spike_proof
from app.status import charts, incidents, maintenance, maintenance_updates, page, postmortems, serializers, v2
from app.status.serializers import maintenance as maintenance_json
from app.web import cached_response

bp = Blueprint("api_status", __name__, url_prefix="/api")
HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=30"}


def _cached(key, build):
    return cached_response(key, build, "application/json", HEADERS)


@bp.get("/status")
@spike_proof  # cached and meant to take a spike during an outage: no throttle bookkeeping
def get_status():
    window = request.args.get("window", "24h")
    if window not in charts.WINDOWS:
        charts.history(window)  # raises the 422 with the allowed values
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
                    view_func=spike_proof(_v2_view(_path, _build)), methods=["GET"])


# --- staff ---------------------------------------------------------------------------------------

staff_bp = Blueprint("api_admin_status", __name__, url_prefix="/api/admin")


@staff_bp.get("/maintenances")
@admin_required
def list_maintenances():
    items = maintenance.active() + maintenance.upcoming(days=366)
    return jsonify(ok=True, maintenances=[maintenance_json(m) for m in items])


@staff_bp.post("/maintenances")
@admin_required
def schedule():
    item = maintenance.schedule(json_body(), current_user.id)
    return jsonify(ok=True, maintenance=maintenance_json(item)), 201


@staff_bp.post("/maintenances/<int:maintenance_id>")
@admin_required
def update(maintenance_id: int):
    item = maintenance.update(maintenance_id, json_body(), current_user.id)
    return jsonify(ok=True, maintenance=maintenance_json(item))


@staff_bp.post("/maintenances/<int:maintenance_id>/cancel")
@admin_required
def cancel(maintenance_id: int):
    return jsonify(ok=True, maintenance=maintenance_json(maintenance.cancel(maintenance_id, current_user.id)))


@staff_bp.post("/maintenances/<int:maintenance_id>/complete")
@admin_required
def complete(maintenance_id: int):
    return jsonify(ok=True, maintenance=maintenance_json(maintenance.complete(maintenance_id, current_user.id)))


@staff_bp.post("/maintenances/<int:maintenance_id>/updates")
@admin_required
def post_maintenance_update(maintenance_id: int):
    item, added = maintenance_updates.post(maintenance_id, json_body(), current_user.id)
    body = maintenance_json(item)
    return jsonify(ok=True, maintenance=body, update=body["updates"][0] if added else None), 201


@staff_bp.post("/incidents")
@admin_required
def create_incident():
    item = incidents.create(json_body(), current_user.id)
    return jsonify(ok=True, incident=serializers.incident(item)), 201


@staff_bp.post("/incidents/<int:incident_id>/updates")
@admin_required
def add_incident_update(incident_id: int):
    item, update = incidents.add_update(incident_id, json_body(), current_user.id)
    return jsonify(ok=True, incident=serializers.incident(item), update=serializers.update(update)), 201


@staff_bp.post("/incidents/<int:incident_id>/postmortem")
@admin_required
def publish_postmortem(incident_id: int):
    item = postmortems.publish(incident_id, json_body(), current_user.id)
    return jsonify(ok=True, incident=serializers.incident(item)), 201


BLUEPRINTS = (bp, staff_bp)
