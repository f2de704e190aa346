"""The 5-minute checks behind a claim's measurement, as CSV: one row per status snapshot of the billing period,
with what measure.py counted it as. Summing `down_minutes` gives the claim's measured downtime (for the part
of the period still kept as raw snapshots; older parts were measured from hourly rollups and are not rows).
The customer downloads it for their own claims (404 for anyone else's), staff for any claim."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from flask import Response, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.common.errors import NotFound
from app.common.iso import iso
from app.extensions import db
from app.models import SlaCreditRequest, StatusSnapshot
from app.models.status import COMPONENTS
from app.sla import claims, measure

HEADER_TAIL = ("sla_level", "counted_as", "minutes_counted", "down_minutes", "maintenance_minutes")


def filename(claim: SlaCreditRequest) -> str:
    return f"{claim.ticket_id}-checks.csv"


def own_claim(claim_id: int, user_id: int) -> SlaCreditRequest:
    claim = claims.get_claim(claim_id)
    if claim.user_id != user_id:
        raise NotFound(_l("No such SLA credit request."))
    return claim


def download(claim: SlaCreditRequest) -> Response:
    return Response(checks_csv(claim), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename(claim)}"', "X-Content-Type-Options": "nosniff"})


def checks_csv(claim: SlaCreditRequest) -> str:
    """Rows for the snapshots of the billing period the claim was measured over (its window when it has none)."""
    start = claim.billing_period_start or claim.period_start
    end = claim.billing_period_end or claim.period_end
    components = tuple(c for c in current_app.config["SLA_COMPONENTS"] if c in COMPONENTS)
    maintenance = measure.merge_windows(measure.maintenance_windows(start, end, components), start, end)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("checked_at", "covers_from", *(f"{c}_status" for c in components), *HEADER_TAIL))
    for row in _rows(start, end, components, maintenance):
        writer.writerow(row)
    return out.getvalue()


def _rows(start: datetime, end: datetime, components, maintenance):
    """The loop of measure._from_snapshots, one row per snapshot instead of a sum."""
    step = timedelta(seconds=measure.SNAPSHOT_SECONDS)
    cols = [StatusSnapshot.column(c) for c in components]
    rows = db.session.execute(
        select(StatusSnapshot.ts, *cols)
        .where(StatusSnapshot.ts > start - 2 * step, StatusSnapshot.ts < end + step).order_by(StatusSnapshot.ts))
    previous = None
    for ts, *statuses in rows:
        covered_from = ts - step if previous is None else max(ts - step, previous)
        previous = ts
        s, e = max(covered_from, start), min(ts, end)
        if e <= s:
            continue
        level = measure.level_of(statuses)
        paused = measure.excluded_seconds(maintenance, s, e)
        counted = (e - s).total_seconds() - paused if level else 0.0
        what = "no data" if level is None else ("maintenance" if counted <= 0 else level)
        yield (iso(ts), iso(s), *(st or "" for st in statuses), level or "", what, _minutes(counted),
               _minutes(counted) if level == "down" else "0", _minutes(paused))


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}"
