"""What the customer can check before and after filing: the measurement staff will see for a window
(`preview`, the same figures filing stores) and the customer's own evidence, their workflow runs that
started in the claimed window (`affected_runs`; failed = status failed or error)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.common.errors import ValidationFailed
from app.common.iso import iso
from app.extensions import db
from app.models import User, WorkflowRun
from app.models.types import utcnow
from app.sla import claims, measure, periods

FAILED_RUN_STATUSES = ("failed", "error")


def affected_runs(user_id: int, start: datetime, end: datetime) -> dict:
    failed = func.coalesce(func.sum(case((WorkflowRun.status.in_(FAILED_RUN_STATUSES), 1), else_=0)), 0)
    total, failed_count = db.session.execute(
        select(func.count(WorkflowRun.id), failed).where(
            WorkflowRun.user_id == user_id, WorkflowRun.started_at >= start, WorkflowRun.started_at < end)).one()
    return {"total": int(total or 0), "failed": int(failed_count or 0)}


def preview(user: User, data: dict) -> dict:
    """The measurement of the billing period holding the window, as staff would see it: same 404/422 rules."""
    now, fields = utcnow(), {}
    sub_id, start, end = claims.parse_window(data, now, fields)
    if fields:
        raise ValidationFailed(_l("Some fields need your attention."), fields=fields)
    sub = claims.own_active_subscription(user, sub_id)
    period = claims.billing_period_for(sub, start, end)
    claims.check_filing_deadline(period, now)
    measured = measure.measure_period(period.start, period.end, now=now)
    comp = measure.suggest(measured, period.charge, period.currency, periods.already_credited(sub.id, period))
    return {"billing_period_start": iso(period.start), "billing_period_end": iso(period.end),
            "period_charge": period.charge, "monthly_uptime_percent": comp["uptime_pct"],
            "measured_downtime_minutes": comp["down_minutes"], "no_data_percent": comp["no_data_pct"],
            "suggested_credit_amount": comp["suggested_credit"], "currency": period.currency,
            "credited_before": comp["credited_before"], "provisional": comp["provisional"],
            "filing_deadline": iso(claims.filing_deadline(period.end)),
            "affected_runs": affected_runs(user.id, start, end)}
