"""What to answer when a dependency goes away after an SLA decision was committed (issue 28.7).

The decision is committed before the credit is attempted, so an outage after that commit must not be
answered with the generic 503 "Nothing was changed": the decision stands and Stripe may already hold the
credit. `Recorded` carries what is known from memory (the database may be gone): the decision, and what
the credit attempt did, so staff know to retry the credit (which asks Stripe first) rather than decide again.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.common import money, outages
from app.common.errors import ServiceError
from app.models.sla import ClaimStatus

NOT_ATTEMPTED, MADE, NOT_MADE = "not_attempted", "made_not_recorded", "not_made"


@dataclass
class Attempt:
    """Filled as the work after the commit goes on: plain values, readable without the database."""
    ticket_id: str
    status: str
    amount: int | None
    currency: str | None
    credits: bool  # the decision makes a credit (an approval, a revised dispute's difference)
    what: str = ""  # how the answer names the decision: the claim's ticket id, or "The dispute of …"
    stripe_ref: str | None = None
    error: str | None = None
    tried: bool = False

    def credited(self, ref: str | None, error: str | None, amount: int | None) -> None:
        self.tried, self.stripe_ref, self.error, self.amount = True, ref, error, amount


class DecisionRecorded(ServiceError):
    status = 503
    code = "decision_recorded"


def attempt_of(claim) -> Attempt:
    """Read before the decision's commit expires the claim."""
    return Attempt(claim.ticket_id, claim.status, claim.credit_amount, claim.currency,
                   claim.status == ClaimStatus.APPROVED, claim.ticket_id)


def attempt_of_dispute(claim, dispute) -> Attempt:
    return Attempt(claim.ticket_id, dispute.status, dispute.credit_difference, claim.currency,
                   dispute.credit_difference is not None, f"The dispute of {claim.ticket_id}")


def credit_state(attempt: Attempt) -> str | None:
    if not attempt.credits:
        return None
    if not attempt.tried:
        return NOT_ATTEMPTED
    return MADE if attempt.stripe_ref else NOT_MADE


def _credit_words(attempt: Attempt, away: str) -> str:
    state = credit_state(attempt)
    if state == MADE:
        return (f"The credit was made ({attempt.stripe_ref}) but is not recorded here yet, so the claim shows it "
                f"pending: retry the credit once the {away} is back; the retry finds this credit at Stripe and "
                "records it instead of making a second one.")
    if state == NOT_MADE:
        return f"The credit was not made ({attempt.error}): retry it from the claim once the {away} is back."
    if state == NOT_ATTEMPTED:
        return (f"The credit was not attempted yet: retry it from the claim once the {away} is back (the retry "
                "asks Stripe first, so nothing is credited twice).")
    return ""


def after_commit(exc: Exception, attempt: Attempt) -> DecisionRecorded | None:
    """The answer for an outage met after the decision was committed; None for any other failure."""
    down = outages.unavailable_dependency(exc)
    if down is None:
        return None
    outages.forget_broken_session()
    decided = attempt.status
    if attempt.credits:
        decided += f" with a credit of {money.format_amount(attempt.amount, attempt.currency)}"
    message = " ".join(filter(None, (
        f"{attempt.what} was {decided}: that decision is saved; do not decide it again.",
        f"Then our {down.name} stopped answering.", _credit_words(attempt, down.name),
        "The customer is emailed once it is back.")))
    return DecisionRecorded(message, headers={"Retry-After": str(down.retry_after)}, extra={
        "decision": {"ticket_id": attempt.ticket_id, "status": attempt.status, "credit_amount": attempt.amount,
                     "currency": attempt.currency},
        "credit": {"state": credit_state(attempt), "stripe_ref": attempt.stripe_ref}})
