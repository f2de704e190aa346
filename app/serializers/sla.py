"""SLA credit claims as the API shows them: `user` for the claimant, `admin` for staff."""
from __future__ import annotations

from app.models import SlaCreditRequest
from app.serializers import iso


def user(claim: SlaCreditRequest) -> dict:
    return {
        "id": claim.id, "ticket_id": claim.ticket_id, "subscription_id": claim.subscription_id,
        "plan": claim.plan, "period_start": iso(claim.period_start), "period_end": iso(claim.period_end),
        "claimed_downtime_minutes": claim.claimed_downtime_minutes, "description": claim.description,
        "status": claim.status, "decision": claim.decision, "credit_amount": claim.credit_amount,
        "currency": claim.currency, "notes": claim.notes, "stripe_ref": claim.stripe_ref,
        "decided_at": iso(claim.decided_at), "created_at": iso(claim.created_at),
        "attachment_name": claim.attachment_name,
    }


def admin(claim: SlaCreditRequest) -> dict:
    return {
        **user(claim),
        "user_id": claim.user_id, "user_email": claim.user.email if claim.user else None,
        "measured_downtime_minutes": claim.measured_down_minutes,
        "measured_degraded_minutes": claim.measured_degraded_minutes,
        "measured_uptime_pct": claim.measured_uptime_pct,
        "suggested_credit_amount": claim.suggested_credit_amount, "computation": claim.computation,
        "decided_by": claim.decided_by,
    }
