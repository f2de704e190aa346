"""The public status: record snapshots, and build what /status and the status APIs show.

Readers go through the cache (status_cache); writers (record_snapshot, incidents.after_change)
invalidate it, so a spike of visitors during an outage costs a Redis GET each.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Incident, StatusSnapshot
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.serializers import iso
from app.serializers import status as serializers
from app.services import status_cache, status_history
from app.services.errors import ValidationFailed
from app.services.status_checks import overall_of, run_checks

log = logging.getLogger(__name__)

NAMES = {"api": "API", "frontend": "Frontend", "database": "Database", "stripe": "Stripe (payments)",
         "workflows": "Workflows"}
HEADLINES = {"up": "All systems operational", "degraded": "Degraded performance", "down": "Outage",
             "unknown": "Status unknown"}
WINDOWS = {"24h": ("5m", 288), "7d": ("1h", 168)}
RECENT_INCIDENT_DAYS = 7


# --- writing ----------------------------------------------------------------------------------

def record_snapshot(app=None) -> StatusSnapshot:
    """Run every check concurrently, store one snapshot, keep the rollups current, refresh caches."""
    app = app or current_app._get_current_object()
    ts = utcnow()
    results = run_checks(app)
    levels = {c: results[c].status for c in COMPONENTS}
    problems = [f"{NAMES[c]}: {r.error}" for c, r in results.items() if r.error and r.status != "unknown"]
    snapshot = StatusSnapshot(
        ts=ts, overall_status=overall_of(levels.values()),
        api_status=levels["api"], frontend_status=levels["frontend"], db_status=levels["database"],
        stripe_status=levels["stripe"], workflows_status=levels["workflows"],
        details={c: r.as_details() for c, r in results.items()},
        notes="; ".join(problems)[:2000] or None,
    )
    db.session.add(snapshot)
    db.session.commit()
    try:  # the current hour and day, so 7-day and 90-day bars include the newest check
        status_history.rollup(ts - timedelta(hours=status_history.catch_up_hours(ts)), ts)
        db.session.commit()
    except Exception:  # a concurrent rollup job wrote the same bucket; the hourly job catches up
        db.session.rollback()
        log.warning("could not update rollups after snapshot %s", snapshot.id, exc_info=True)
    status_cache.invalidate()
    return snapshot


# --- reading ----------------------------------------------------------------------------------

def latest_snapshot() -> StatusSnapshot | None:
    return db.session.scalars(select(StatusSnapshot).order_by(StatusSnapshot.ts.desc()).limit(1)).first()


def snapshot_levels(snapshot: StatusSnapshot | None) -> dict[str, str]:
    if snapshot is None:
        return {c: "unknown" for c in COMPONENTS}
    return {"api": snapshot.api_status, "frontend": snapshot.frontend_status, "database": snapshot.db_status,
            "stripe": snapshot.stripe_status, "workflows": snapshot.workflows_status}


def current(now=None) -> dict:
    now = now or utcnow()
    snap = latest_snapshot()
    levels = snapshot_levels(snap)
    stale_after = timedelta(minutes=current_app.config.get("STATUS_STALE_MINUTES", 15))
    details = (snap.details or {}) if snap else {}
    return {
        "overall": snap.overall_status if snap else "unknown",
        "levels": levels,
        "details": {c: public_details(details.get(c) or {}) for c in COMPONENTS},
        "updated_at": snap.ts if snap else None,
        "age_minutes": int((now - snap.ts).total_seconds() // 60) if snap else None,
        "stale": snap is None or now - snap.ts > stale_after,
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


def incidents_for_page(now=None) -> tuple[list[Incident], list[Incident]]:
    """(open incidents, incidents of the last 7 days that are resolved), newest first."""
    now = now or utcnow()
    since = now - timedelta(days=RECENT_INCIDENT_DAYS)
    rows = db.session.scalars(
        select(Incident).options(selectinload(Incident.updates))
        .where(or_(Incident.status != "resolved", Incident.resolved_at >= since, Incident.started_at >= since))
        .order_by(Incident.started_at.desc()).limit(50)
    ).all()
    return [i for i in rows if i.status != "resolved"], [i for i in rows if i.status == "resolved"]


def history(window: str, now=None) -> dict:
    if window not in WINDOWS:
        raise ValidationFailed("window must be 24h or 7d.", code="invalid_window",
                               fields={"window": "Use 24h or 7d."})
    resolution, _ = WINDOWS[window]
    step = timedelta(minutes=5) if window == "24h" else timedelta(hours=1)
    series = status_history.series_24h(now) if window == "24h" else status_history.series_rollup("hour", 168, now)
    out = {"window": window, "resolution": resolution,
           "formula": "uptime_pct = (up + degraded) / (up + degraded + down); no_data excluded",
           "components": {}}
    for component, s in series.items():
        out["components"][component] = {
            "uptime_pct": s["uptime_pct"], "degraded_pct": s["degraded_pct"], "down_pct": s["down_pct"],
            "counts": {k: s["counts"].get(k, 0) for k in ("up", "degraded", "down", "no_data")},
            "segments": segments(s["points"], step),
        }
    return out


def segments(points: list, step: timedelta) -> list[dict]:
    """Run-length encode a series: consecutive buckets with the same level become one segment
    [start, end) with the number of buckets (`slots`). Lossless, and a quiet day is one entry."""
    out: list[dict] = []
    for point in points:
        start, level = point[0], point[1]
        if out and out[-1]["status"] == level:
            out[-1]["slots"] += 1
            out[-1]["_end"] = start + step
        else:
            out.append({"status": level, "_start": start, "_end": start + step, "slots": 1})
    return [{"start": iso(seg["_start"]), "end": iso(seg["_end"]), "status": seg["status"], "slots": seg["slots"]}
            for seg in out]


def status_payload(window: str = "24h") -> dict:
    """The body of GET /api/status (SPEC), uncached."""
    open_incidents, _ = incidents_for_page()
    return serializers.status_body(current(), open_incidents, history(window))


def page_context(now=None) -> dict:
    """Everything status.html needs, computed once per cache period."""
    now = now or utcnow()
    state = current(now)
    open_incidents, recent = incidents_for_page(now)
    return {
        "state": state, "headline": HEADLINES.get(state["overall"], HEADLINES["unknown"]), "names": NAMES,
        "components": COMPONENTS, "now": now,
        "day": status_history.series_24h(now),
        "week": status_history.series_rollup("hour", 168, now),
        "quarter": status_history.series_rollup("day", 90, now),
        "open_incidents": open_incidents, "recent_incidents": recent,
    }
