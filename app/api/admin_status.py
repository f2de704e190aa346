"""Staff: incidents (create, post updates, resolve) and scheduled maintenance (schedule, change before it
starts, complete early, cancel)."""
from flask import Blueprint, jsonify
from flask_login import current_user

from app.api import json_body
from app.auth import admin_required
from app.status import incidents, maintenance, serializers
from app.status.serializers import maintenance as maintenance_json

bp = Blueprint("api_admin_status", __name__, url_prefix="/api/admin")


@bp.get("/maintenances")
@admin_required
def list_maintenances():
    items = maintenance.active() + maintenance.upcoming(days=366)
    return jsonify(ok=True, maintenances=[maintenance_json(m) for m in items])


@bp.post("/maintenances")
@admin_required
def schedule():
    item = maintenance.schedule(json_body(), current_user.id)
    return jsonify(ok=True, maintenance=maintenance_json(item)), 201


@bp.post("/maintenances/<int:maintenance_id>")
@admin_required
def update(maintenance_id: int):
    item = maintenance.update(maintenance_id, json_body(), current_user.id)
    return jsonify(ok=True, maintenance=maintenance_json(item))


@bp.post("/maintenances/<int:maintenance_id>/cancel")
@admin_required
def cancel(maintenance_id: int):
    return jsonify(ok=True, maintenance=maintenance_json(maintenance.cancel(maintenance_id, current_user.id)))


@bp.post("/maintenances/<int:maintenance_id>/complete")
@admin_required
def complete(maintenance_id: int):
    return jsonify(ok=True, maintenance=maintenance_json(maintenance.complete(maintenance_id, current_user.id)))


@bp.post("/incidents")
@admin_required
def create_incident():
    item = incidents.create(json_body(), current_user.id)
    return jsonify(ok=True, incident=serializers.incident(item)), 201


@bp.post("/incidents/<int:incident_id>/updates")
@admin_required
def add_incident_update(incident_id: int):
    item, update = incidents.add_update(incident_id, json_body(), current_user.id)
    return jsonify(ok=True, incident=serializers.incident(item), update=serializers.update(update)), 201
