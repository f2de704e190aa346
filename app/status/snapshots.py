"""Writing the status: every check run concurrently and recorded, whatever is down.

The newest result is published at once (Redis, and this process) so the page shows it even when
it cannot be stored; it is then stored after anything spooled during an outage, or spooled itself.
Writers invalidate the status cache, so a spike of visitors during an outage costs a Redis GET each.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import StatusSnapshot
from app.models.status import COMPONENT_NAMES, COMPONENTS
from app.models.types import utcnow
from app.status import cache, drafts, spool
from app.status import history as status_history
from app.status import live as status_live
from app.status.checks import overall_of, run_checks

log = logging.getLogger(__name__)


def record_snapshot(app=None) -> StatusSnapshot:
    """Run every check concurrently and record the result, whatever is down.

    The newest result is published at once (Redis, and this process) so the page shows it even when
    it cannot be stored; it is then stored in PostgreSQL after anything spooled during an outage, or
    spooled itself when PostgreSQL cannot take it. Rollups and caches are refreshed after."""
    app = app or current_app._get_current_object()
    ts = utcnow()
    results = run_checks(app)
    levels = {c: results[c].status for c in COMPONENTS}
    problems = [f"{COMPONENT_NAMES[c]}: {r.error}" for c, r in results.items() if r.error and r.status != "unknown"]
    snapshot = StatusSnapshot(
        ts=ts, overall_status=overall_of(levels.values()),
        **StatusSnapshot.level_columns(levels),
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
        _raise_drafts(snapshot.id)
    cache.invalidate()
    return snapshot


def _raise_drafts(snapshot_id: int) -> None:
    """Two failing checks in a row → a draft incident for staff (app/status/drafts.py); never fails the check."""
    try:
        drafts.evaluate(snapshot_id)
    except Exception:
        db.session.rollback()
        log.warning("could not evaluate draft incidents after snapshot %s", snapshot_id, exc_info=True)


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
