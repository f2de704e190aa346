"""The public status: record snapshots, and build what /status and the status APIs show.

Readers go through the cache (status_cache); writers (record_snapshot, incidents.after_change)
invalidate it, so a spike of visitors during an outage costs a Redis GET each.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import selectinload

from app.common.errors import ValidationFailed
from app.common.iso import iso
from app.extensions import db
from app.models import Incident, StatusSnapshot
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status import cache, maintenance, serializers, spool
from app.status import history as status_history
from app.status import live as status_live
from app.status import mask as status_mask
from app.status.checks import overall_of, run_checks
from app.status.serializers import maintenance as maintenance_json

log = logging.getLogger(__name__)

NAMES = {"api": "API", "frontend": "Frontend", "database": "Database", "stripe": "Stripe (payments)",
         "workflows": "Workflows"}
HEADLINES = {"none": "All systems operational", "minor": "Degraded performance", "major": "Outage",
             "critical": "Major outage", "maintenance": "Scheduled maintenance in progress",
             "unknown": "Status unknown"}
WINDOWS = {"24h": ("5m", 288), "7d": ("1h", 168)}
RECENT_INCIDENT_DAYS = 30  # a customer has 30 days to claim an SLA credit


# --- writing ----------------------------------------------------------------------------------

def record_snapshot(app=None) -> StatusSnapshot:
    """Run every check concurrently and record the result, whatever is down.

    The newest result is published at once (Redis, and this process) so the page shows it even when
    it cannot be stored; it is then stored in PostgreSQL after anything spooled during an outage, or
    spooled itself when PostgreSQL cannot take it. Rollups and caches are refreshed after."""
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
    status_live.publish({"ts": ts, "overall": snapshot.overall_status, "levels": levels,
                         "details": snapshot.details})
    try:
        earliest = min([ts, *spool.flush()])
        db.session.add(snapshot)
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        where = spool.push(snapshot, app)
        log.warning("status: database unavailable; snapshot %s kept in the %s spool", ts.isoformat(), where)
    else:
        _refresh_rollups(earliest, ts, snapshot.id)
    cache.invalidate()
    return snapshot


def _refresh_rollups(earliest, ts, snapshot_id) -> None:
    """The current hour and day (and any hours a flushed outage covered), so 7-day and 90-day bars
    include the newest checks."""
    try:
        start = min(earliest, ts - timedelta(hours=status_history.catch_up_hours(ts)))
        status_history.rollup(start, ts)
        db.session.commit()
    except Exception:  # a concurrent rollup job wrote the same bucket; the hourly job catches up
        db.session.rollback()
        log.warning("could not update rollups after snapshot %s", snapshot_id, exc_info=True)


# --- reading ----------------------------------------------------------------------------------

def latest_snapshot() -> StatusSnapshot | None:
    return db.session.scalars(select(StatusSnapshot).order_by(StatusSnapshot.ts.desc()).limit(1)).first()


def snapshot_levels(snapshot: StatusSnapshot | None) -> dict[str, str]:
    if snapshot is None:
        return {c: "unknown" for c in COMPONENTS}
    return {"api": snapshot.api_status, "frontend": snapshot.frontend_status, "database": snapshot.db_status,
            "stripe": snapshot.stripe_status, "workflows": snapshot.workflows_status}


def current(now=None) -> dict:
    """The newest check: the newest stored snapshot, or the newest published check when that is
    newer (a snapshot waiting in the spool while PostgreSQL is down) or the database cannot be read."""
    now = now or utcnow()
    record = None
    try:
        snap = latest_snapshot()
        if snap is not None:
            record = {"ts": snap.ts, "overall": snap.overall_status, "levels": snapshot_levels(snap),
                      "details": snap.details or {}}
    except DBAPIError:
        db.session.rollback()
        log.warning("status: database unavailable; showing the newest published check")
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


def incidents_for_page(now=None) -> tuple[list, list]:
    """(open incidents, resolved incidents of the last RECENT_INCIDENT_DAYS), newest first. While the
    database is down, the last good copy (objects that read like the rows)."""
    now = now or utcnow()
    since = now - timedelta(days=RECENT_INCIDENT_DAYS)

    def load() -> list[dict]:
        rows = db.session.scalars(
            select(Incident).options(selectinload(Incident.updates))
            .where(or_(Incident.status != "resolved", Incident.resolved_at >= since, Incident.started_at >= since))
            .order_by(Incident.started_at.desc()).limit(50)
        ).all()
        return [serializers.incident(i) for i in rows]

    rows = status_live.revive(status_live.last_good("incidents", load, default=[]))
    return [i for i in rows if i.status != "resolved"], [i for i in rows if i.status == "resolved"]


def history(window: str, now=None, mask=None) -> dict:
    if window not in WINDOWS:
        raise ValidationFailed("window must be 24h or 7d.", code="invalid_window",
                               fields={"window": "Use 24h or 7d."})
    resolution, _ = WINDOWS[window]
    now = now or utcnow()
    mask = mask if mask is not None else maintenance_mask(now)
    step = timedelta(minutes=5) if window == "24h" else timedelta(hours=1)
    series = status_history.series_24h(now, mask) if window == "24h" else \
        status_history.series_rollup("hour", 168, now, mask)
    out = {"window": window, "resolution": resolution,
           "formula": "uptime_pct = (up + degraded) / (up + degraded + down); no_data and maintenance excluded",
           "coverage_formula": "coverage_pct = (up + degraded + down) / (up + degraded + down + no_data); "
                               f"a segment below {status_history.PARTIAL_BELOW_PCT:g} % is partial data",
           "components": {}}
    for component, s in series.items():
        out["components"][component] = {
            "uptime_pct": s["uptime_pct"], "degraded_pct": s["degraded_pct"], "down_pct": s["down_pct"],
            "coverage_pct": s["coverage_pct"],
            "counts": {k: s["counts"].get(k, 0) for k in ("up", "degraded", "down", "no_data", "unknown",
                                                          "maintenance")},
            "segments": segments(s["points"], step),
        }
    return out


def segments(points: list, step: timedelta) -> list[dict]:
    """Run-length encode a series: consecutive buckets with the same level (and partial-ness) become one
    segment [start, end) with the number of buckets (`slots`) and the share of its checks that ran
    (`coverage_pct`). Lossless, and a quiet day is one entry."""
    return [{"start": iso(run["start"]), "end": iso(run["end"]), "status": run["level"], "slots": run["slots"],
             "partial": run["partial"], "coverage_pct": status_history.coverage_pct(run["counts"])}
            for run in status_history.run_length(points, step)]


UPTIME_WINDOWS = ("24h", "7d", "30d", "90d")


def maintenance_mask(now=None) -> status_mask.MaintenanceMask:
    """Maintenance windows (and the checks inside them) over everything /status shows: 90 days."""
    now = now or utcnow()
    return status_mask.load(status_history.floor_to(now, "day") - timedelta(days=90), now, now)


def uptime_windows(now=None, series: dict | None = None, mask=None) -> dict[str, dict[str, float | None]]:
    """Per component, uptime % over the last 24 h (5-minute checks), 7 days (hourly rollups), 30 and
    90 days (daily rollups), maintenance left out; None where nothing was measured. `series` reuses
    charts already read (with the same mask)."""
    now = now or utcnow()
    series = dict(series or {})
    if mask is None and any(series.get(w) is None for w in UPTIME_WINDOWS):
        mask = maintenance_mask(now)
    readers = {"24h": lambda: status_history.series_24h(now, mask),
               "7d": lambda: status_history.series_rollup("hour", 168, now, mask),
               "30d": lambda: status_history.series_rollup("day", 30, now, mask),
               "90d": lambda: status_history.series_rollup("day", 90, now, mask)}
    for window in UPTIME_WINDOWS:
        if series.get(window) is None:
            series[window] = readers[window]()
    return {c: {w: series[w][c]["uptime_pct"] for w in UPTIME_WINDOWS} for c in COMPONENTS}


def status_payload(window: str = "24h") -> dict:
    """The body of GET /api/status (SPEC), uncached."""
    open_incidents, _ = incidents_for_page()
    works = maintenance_for_page()
    state = declared_state(current(), open_incidents, works["active"])
    unavailable = {"window": window, "unavailable": True, "components": {}}
    now, masks = utcnow(), []

    def mask():  # read once for both, inside each loader so a database outage falls back as before
        if not masks:
            masks.append(maintenance_mask(now))
        return masks[0]

    past = status_live.last_good(f"history:{window}", lambda: history(window, now, mask()), default=unavailable)
    uptime = status_live.last_good("uptime", lambda: uptime_windows(now, mask=mask()), default={})
    return serializers.status_body(state, open_incidents, past) | {"maintenance": works, "uptime": uptime}


def page_context(now=None) -> dict:
    """Everything status.html needs, computed once per cache period. While the database is down the
    history charts are left out (the page says so) and the rest comes from the newest check."""
    now = now or utcnow()
    open_incidents, recent = incidents_for_page(now)
    works = status_live.revive(maintenance_for_page(now))
    state = declared_state(current(now), open_incidents, works.active)
    try:
        mask = maintenance_mask(now)
        charts = {"day": status_history.series_24h(now, mask),
                  "week": status_history.series_rollup("hour", 168, now, mask),
                  "quarter": status_history.series_rollup("day", 90, now, mask)}
        charts["uptime"] = uptime_windows(now, {"24h": charts["day"], "7d": charts["week"], "90d": charts["quarter"]},
                                          mask)
    except DBAPIError:
        db.session.rollback()
        charts = {"day": None, "week": None, "quarter": None, "uptime": None}
    return {
        "state": state, "headline": headline(state), "names": NAMES,
        "components": COMPONENTS, "now": now, **charts,
        "open_incidents": open_incidents, "recent_incidents": recent,
        "maintenance_active": works.active, "maintenance_upcoming": works.upcoming,
    }


def maintenance_for_page(now=None) -> dict:
    """Maintenance in progress and in the next 14 days, as JSON (the last good copy while the
    database is down)."""
    now = now or utcnow()

    def load() -> dict:
        return {"active": [maintenance_json(m, now) for m in maintenance.active(now)],
                "upcoming": [maintenance_json(m, now) for m in maintenance.upcoming(now)]}

    return status_live.last_good("maintenance", load, default={"active": [], "upcoming": []})


# --- what staff declared ----------------------------------------------------------------------

RANK = {"unknown": -1, "maintenance": -1, "up": 0, "degraded": 1, "down": 2}
# Statuspage's vocabulary: an open incident's impact is the state staff declared for its components.
IMPACT_LEVEL = {"minor": "degraded", "major": "down", "critical": "down"}
LEVEL_INDICATOR = {"up": "none", "degraded": "minor", "down": "major", "unknown": "none"}
INDICATORS = ("none", "maintenance", "minor", "major", "critical")


def headline(state: dict) -> str:
    """The page's big line, from the same indicator as the v2 JSON; nothing measured and nothing
    declared is "Status unknown", not "operational"."""
    if state["overall"] == "unknown" and state.get("indicator") in (None, "none"):
        return HEADLINES["unknown"]
    return HEADLINES[state.get("indicator") or LEVEL_INDICATOR.get(state["overall"], "none")]


def declared_state(state: dict, open_incidents: list, active_maintenance: list = ()) -> dict:
    """The measured state with what staff declared on top: per component the worst open incident's
    level (an incident naming no component affects all) or "maintenance" while planned work is under
    way on it; overall the worse of measured and declared, leaving out components under maintenance
    (planned work is not an outage). The `indicator` (none/minor/major/critical/maintenance) is what
    the page headline, /api/status and Statuspage's v2 indicator all say."""
    under = {c for m in active_maintenance for c in (_get(m, "components") or COMPONENTS)}
    measured = overall_of(lvl for c, lvl in state["levels"].items() if c not in under)
    declared: dict[str, str | None] = {c: "maintenance" if c in under else None for c in COMPONENTS}
    indicator = LEVEL_INDICATOR.get(measured, "none")
    for incident in open_incidents:
        level = IMPACT_LEVEL.get(incident.impact, "degraded")
        for component in incident.components or COMPONENTS:
            if component in declared and RANK[level] > RANK.get(declared[component] or "unknown", -1):
                declared[component] = level
        impact = incident.impact if incident.impact in INDICATORS else "minor"
        indicator = max(indicator, impact, key=INDICATORS.index)
    if indicator == "none" and under:
        indicator = "maintenance"
    overall = max([measured, *filter(None, declared.values())], key=lambda lvl: RANK.get(lvl, -1))
    if overall == "unknown" and under and measured == "unknown" and state["overall"] != "unknown":
        overall = "up"  # every monitored component is under maintenance: nothing is down
    return state | {"measured_overall": state["overall"], "overall": overall, "declared": declared,
                    "indicator": indicator}


def _get(item, name):
    return item.get(name) if isinstance(item, dict) else getattr(item, name)
