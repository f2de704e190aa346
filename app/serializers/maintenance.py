"""Scheduled maintenance as JSON (the admin API and /api/status)."""
from __future__ import annotations

from app.models import ScheduledMaintenance
from app.models.types import utcnow
from app.serializers import iso


def maintenance(item: ScheduledMaintenance, now=None) -> dict:
    now = now or utcnow()
    return {
        "id": item.id, "title": item.title, "message": item.message, "components": item.components or [],
        "status": str(item.state_at(now)), "starts_at": iso(item.starts_at), "ends_at": iso(item.ends_at),
        "ended_at": iso(item.ended_at), "created_at": iso(item.created_at), "updated_at": iso(item.updated_at),
    }
