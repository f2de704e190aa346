"""The measured state now: the newest check, stored or only published (while PostgreSQL is down),
and what the public may see of each check.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import StatusSnapshot
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status import live as status_live


def latest_snapshot() -> StatusSnapshot | None:
    return db.session.scalars(select(StatusSnapshot).order_by(StatusSnapshot.ts.desc()).limit(1)).first()


def snapshot_levels(snapshot: StatusSnapshot | None) -> dict[str, str]:
    if snapshot is None:
        return {c: "unknown" for c in COMPONENTS}
    return snapshot.levels


def current(now=None) -> dict:
    """The newest check: the newest stored snapshot, or the newest published check when that is
    newer (a snapshot waiting in the spool while PostgreSQL is down) or the database cannot be read."""
    now = now or utcnow()
    snap = status_live.from_database(latest_snapshot, lambda: None)
    record = None
    if snap is not None:
        record = {"ts": snap.ts, "overall": snap.overall_status, "levels": snapshot_levels(snap),
                  "details": snap.details or {}}
    live = status_live.newest()
    if live is not None and (record is None or live["ts"] > record["ts"]):
        record = live
    return _state(record, now)


def _state(record: dict | None, now) -> dict:
    stale_after = timedelta(minutes=current_app.config.get("STATUS_STALE_MINUTES", 15))
    details = (record or {}).get("details") or {}
    return {
        "overall": record["overall"] if record else "unknown",
        "levels": record["levels"] if record else {c: "unknown" for c in COMPONENTS},
        "details": {c: public_details(details.get(c) or {}) for c in COMPONENTS},
        "updated_at": record["ts"] if record else None,
        "age_minutes": int((now - record["ts"]).total_seconds() // 60) if record else None,
        "stale": record is None or now - record["ts"] > stale_after,
    }


REASON_TEXT = {
    "not_configured": "Not configured", "slow": "Responding slower than usual",
    "queue_backlog": "Jobs are waiting longer than usual", "no_worker": "No worker is processing jobs",
    "timeout": "Not responding (timed out)", "unreachable": "Not reachable",
    "http_error": "Answering with errors", "failed": "Health check failed", "crashed": "Health check failed",
}


def public_details(detail: dict) -> dict:
    """What the public may see of a check: latency and a plain-words reason from the check's reason
    code. The raw error (URLs, hostnames, driver messages) stays in status_snapshots.details for staff."""
    reason = detail.get("reason")
    if reason is None and detail.get("error"):  # recorded before checks carried a reason code
        reason = "not_configured" if detail.get("status") == "unknown" else "failed"
    return {"latency_ms": detail.get("latency_ms"), "error": REASON_TEXT.get(reason) if reason else None,
            "attempts": detail.get("attempts")}
