"""The support console's front page: what needs a person today, in counts, and the last weeks' load.

Counts only, no personal data, so opening the dashboard is not audited (the grids it links to are).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis.exceptions
from rq.registry import FailedJobRegistry
from sqlalchemy import and_, case, func, select

from app.common import tasks
from app.extensions import db
from app.models import DsarExport, Incident, IncidentDraft, SlaCreditRequest, SlaDispute
from app.models.dsar import DELIVERED
from app.models.sla_thread import DisputeStatus
from app.models.types import utcnow

log = logging.getLogger(__name__)

DUE_SOON_DAYS = 7
CHART_WEEKS = 8


def summary(now: datetime | None = None) -> dict:
    now = now or utcnow()
    undelivered = DsarExport.status.not_in(DELIVERED)
    overdue = _count(DsarExport, undelivered, DsarExport.due_at < now)
    due_soon = _count(DsarExport, undelivered, DsarExport.due_at >= now,
                      DsarExport.due_at < now + timedelta(days=DUE_SOON_DAYS))
    suggested = func.coalesce(func.sum(SlaCreditRequest.suggested_credit_amount), 0)
    credit = db.session.execute(
        select(SlaCreditRequest.currency, func.count(), suggested)
        .where(SlaCreditRequest.status == "pending").group_by(SlaCreditRequest.currency)
        .order_by(SlaCreditRequest.currency)).all()
    return {
        "disputes_open": _count(SlaDispute, SlaDispute.status == DisputeStatus.OPEN.value),
        "dsar_overdue": overdue,
        "dsar_due_soon": due_soon,
        "due_soon_days": DUE_SOON_DAYS,
        "claims_pending": sum(n for _, n, _ in credit),
        "claims_suggested": [(currency or "USD", int(total)) for currency, _, total in credit],
        "incidents_open": _count(Incident, Incident.status != "resolved"),
        "drafts_open": _count(IncidentDraft, IncidentDraft.status == "open"),  # raised by failing checks
        "failed_jobs": failed_jobs(),
        "weeks": weekly(now),
    }


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def failed_jobs() -> int | None:
    """Jobs in RQ's failed registries, or None when Redis cannot be asked (shown as "unknown")."""
    try:
        conn = tasks.connection()
        return sum(FailedJobRegistry(name, connection=conn).count for name in tasks.QUEUES)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        log.warning("dashboard: cannot count failed jobs: %s", exc)
        return None


def weekly(now: datetime) -> list[dict]:
    """Exports requested and claims filed per week (Monday 00:00 UTC), oldest first, this week last."""
    this_monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [this_monday - timedelta(weeks=i) for i in range(CHART_WEEKS - 1, -1, -1)]
    exports = _per_week(DsarExport.requested_at, starts)
    claims = _per_week(SlaCreditRequest.created_at, starts)
    return [{"start": s, "exports": e, "claims": c} for s, e, c in zip(starts, exports, claims, strict=True)]


def _per_week(column, starts: list[datetime]) -> list[int]:
    """One query per table: a conditional count per week over the rows inside the window."""
    bounds = [*starts, starts[-1] + timedelta(weeks=1)]
    sums = [func.coalesce(func.sum(case((and_(column >= lo, column < hi), 1), else_=0)), 0)
            for lo, hi in zip(bounds, bounds[1:], strict=False)]
    row = db.session.execute(select(*sums).where(column >= bounds[0], column < bounds[-1])).one()
    return [int(v) for v in row]
