"""What a claim's JSON says beyond its own columns — worked out from settings and other tables, so the
serializers stay pure: whether and until when it can be disputed, the customer's runs in its window, and
(for staff) when it should be decided."""
from __future__ import annotations

from app.common.iso import iso
from app.models import SlaCreditRequest
from app.sla import claims, disputes, preview


def customer(claim: SlaCreditRequest) -> dict:
    return {"can_dispute": disputes.can_dispute(claim), "dispute_until": iso(disputes.dispute_closes(claim)),
            "affected_runs": preview.affected_runs(claim.user_id, claim.period_start, claim.period_end)}


def staff(claim: SlaCreditRequest) -> dict:
    return {**customer(claim), "decision_due_at": iso(claims.decision_due(claim)),
            "overdue": claims.is_overdue(claim)}
