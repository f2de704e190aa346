"""SLA credit claims as the API shows them: `user` for the claimant, `admin` for staff."""
from __future__ import annotations

from app.common.iso import iso
from app.common.money import format_amount
from app.models import SlaCreditRequest


def _display(amount: int | None, currency: str | None) -> str | None:
    return format_amount(amount, currency) if amount is not None else None


def user(claim: SlaCreditRequest, facts: dict | None = None) -> dict:
    """`facts`: what the domain works out from settings and other tables (app/sla/facts.py)."""
    return {
        "id": claim.id, "ticket_id": claim.ticket_id, "subscription_id": claim.subscription_id,
        "plan": claim.plan, "period_start": iso(claim.period_start), "period_end": iso(claim.period_end),
        "claimed_downtime_minutes": claim.claimed_downtime_minutes, "description": claim.description,
        "status": claim.status, "decision": claim.decision, "credit_amount": claim.credit_amount,
        "currency": claim.currency, "notes": claim.notes, "stripe_ref": claim.stripe_ref,
        "decided_at": iso(claim.decided_at), "created_at": iso(claim.created_at),
        "attachment_name": claim.attachment_name,
        "credit_amount_display": _display(claim.credit_amount, claim.currency),
        "credit_state": claim.credit_state, "credit_method": claim.credit_method,
        "explanation": explanation(claim), "source": claim.source,
        "credit_state_display": credit_state_text(claim.credit_state, claim.credit_method),
        "dispute": dispute(claim.dispute, claim.currency), "messages": [message(m) for m in claim.messages],
        **(facts or {}),
    }


# One vocabulary for a credit's real state, on every page and in every email.
CREDIT_STATE_TEXT = {
    "issued": "Credit issued: on your account, taken off your next invoice.",
    "pending": "Credit pending: approved but not on your account yet; we are issuing it and will email you.",
}


def credit_state_text(state: str | None, method: str | None = None) -> str | None:
    if state == "issued" and method == "manual":
        return "Credit issued by hand by our billing team: on your account, taken off your next invoice."
    return CREDIT_STATE_TEXT.get(state)


def dispute(found, currency: str | None, view: str = "user") -> dict | None:
    """The claim's dispute; staff also see who decided it and the difference credit's Stripe details."""
    if found is None:
        return None
    row = {"status": found.status, "reason": found.reason, "opened_at": iso(found.opened_at),
           "decided_at": iso(found.decided_at), "notes": found.notes, "attachment_name": found.attachment_name,
           "first_credit_amount": found.first_credit_amount, "credit_difference": found.credit_difference,
           "credit_difference_display": _display(found.credit_difference, currency),
           "credit_state": found.credit_state, "credit_method": found.credit_method,
           "credit_state_display": credit_state_text(found.credit_state, found.credit_method)}
    if view == "admin":
        row.update(decided_by=found.decided_by, stripe_ref=found.stripe_ref, credit_error=found.credit_error,
                   emailed_at=iso(found.emailed_at))
    return row


def message(found) -> dict:
    """Staff write as "support", never by name."""
    return {"id": found.id, "from": found.side, "body": found.body, "created_at": iso(found.created_at)}


def explanation(claim: SlaCreditRequest) -> str | None:
    """The computation in plain words, for the customer once the claim is decided."""
    comp = claim.computation or {}
    if claim.is_pending() or claim.billing_period_start is None:
        return None
    if comp.get("uptime_pct") is None:
        return "Our monitoring has no data for that billing period, so it could not measure the uptime."
    text = (f"Monthly uptime {comp['uptime_pct']:.3f}% in your billing period "
            f"{claim.billing_period_start:%Y-%m-%d} – {claim.billing_period_end:%Y-%m-%d} "
            f"({comp.get('down_minutes', 0)} min down by our monitoring).")
    if comp.get("credit_pct"):
        charge = format_amount(claim.period_charge, claim.currency)
        below, pct = comp["tier_applied"][0], comp["credit_pct"]
        text += f" Below {below}% the SLA gives {pct}% of what the period cost ({charge})."
    elif claim.is_approved():
        text += " That is within the SLA by our measurement; support approved a credit after reviewing your claim."
    else:
        text += " That is within the SLA."
    return text


def admin(claim: SlaCreditRequest, facts: dict | None = None) -> dict:
    return {
        **user(claim, facts),
        "user_id": claim.user_id, "user_email": claim.user.email if claim.user else None,
        "billing_period_start": iso(claim.billing_period_start), "billing_period_end": iso(claim.billing_period_end),
        "period_charge": claim.period_charge, "period_charge_display": _display(claim.period_charge, claim.currency),
        "suggested_credit_display": _display(claim.suggested_credit_amount, claim.currency),
        "measured_downtime_minutes": claim.measured_downtime_minutes,
        "measured_degraded_minutes": claim.measured_degraded_minutes,
        "monthly_uptime_percent": claim.monthly_uptime_percent,
        "suggested_credit_amount": claim.suggested_credit_amount, "computation": claim.computation,
        "decided_by": claim.decided_by, "credit_error": claim.credit_error, "emailed_at": iso(claim.emailed_at),
        "dispute": dispute(claim.dispute, claim.currency, view="admin"),
    }


def events(found: dict) -> dict:
    """Incidents and maintenance overlapping a claimed window (sla_events.overlapping)."""
    return {
        "incidents": [{"id": i.id, "title": i.title, "impact": i.impact, "status": i.status,
                       "components": i.components or [], "started_at": iso(i.started_at),
                       "resolved_at": iso(i.resolved_at)} for i in found["incidents"]],
        "maintenances": [{"id": m["id"], "title": m["title"], "status": m["status"], "components": m["components"],
                          "starts_at": iso(m["starts_at"]), "ends_at": iso(m["ends_at"])}
                         for m in found["maintenances"]],
    }
