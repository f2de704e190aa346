from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONType, UTCDateTime


class ClaimStatus(StrEnum):
    """A claim is decided once: pending → approved | rejected. Stored as its value (a plain string column,
    so the platform's plain-SQL writers keep working)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


SLA_STATUSES = tuple(s.value for s in ClaimStatus)


class CreditMethod(StrEnum):
    BALANCE = "balance"  # a customer balance credit, applied to the next invoice
    CREDIT_NOTE = "credit_note"  # a credit note on the billing period's invoice
    MANUAL = "manual"  # staff made it by hand in Stripe and paste its reference


class CreditState(StrEnum):
    ISSUED = "issued"  # the credit exists in Stripe (stripe_ref) or staff recorded it
    PENDING = "pending"  # approved, but no credit yet: retry from the admin


class SlaCreditRequest(db.Model):
    __tablename__ = "sla_credit_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="SET NULL"))
    plan: Mapped[str | None] = mapped_column(String(64))
    period_start = mapped_column(UTCDateTime, nullable=False)
    period_end = mapped_column(UTCDateTime, nullable=False)
    claimed_downtime_minutes: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default=ClaimStatus.PENDING.value,
                                        default=ClaimStatus.PENDING.value)
    decision: Mapped[str | None] = mapped_column(String(16))
    credit_amount: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    notes: Mapped[str | None] = mapped_column(Text)
    stripe_ref: Mapped[str | None] = mapped_column(String(255))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    attachment_key: Mapped[str | None] = mapped_column(String(255))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    # The measurement of the billing period holding the claimed outage (issue 11).
    billing_period_start = mapped_column(UTCDateTime)
    billing_period_end = mapped_column(UTCDateTime)
    period_charge: Mapped[int | None] = mapped_column(Integer)
    measured_downtime_minutes: Mapped[int | None] = mapped_column(Integer)
    measured_degraded_minutes: Mapped[int | None] = mapped_column(Integer)
    monthly_uptime_percent: Mapped[float | None] = mapped_column(Float)
    suggested_credit_amount: Mapped[int | None] = mapped_column(Integer)
    credit_method: Mapped[str | None] = mapped_column(String(16))  # CreditMethod
    credit_state: Mapped[str | None] = mapped_column(String(16))  # CreditState, for approved claims
    credit_error: Mapped[str | None] = mapped_column(Text)  # why the last Stripe attempt failed
    emailed_at = mapped_column(UTCDateTime)  # the decision email went out
    computation = mapped_column(JSONType)  # how the suggestion was reached, shown to staff
    # "customer" (filed by the customer) or "proactive" (drafted by us, issue 22); one cap covers both.
    source: Mapped[str] = mapped_column(String(16), nullable=False, server_default="customer", default="customer")

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    subscription = relationship("Subscription", lazy="joined")
    dispute = relationship("SlaDispute", uselist=False, lazy="selectin", back_populates="claim")
    messages = relationship("SlaClaimMessage", lazy="selectin", order_by="SlaClaimMessage.id",
                            back_populates="claim")

    __table_args__ = (
        Index("ix_sla_credit_requests_user_id", "user_id"),
        Index("ix_sla_credit_requests_status_created_at", "status", "created_at"),
        Index("ix_sla_credit_requests_subscription_id", "subscription_id"),
        # One proactive claim per billing period of a subscription, however many runs overlap (issue 22).
        Index("uq_sla_proactive_period", "subscription_id", "billing_period_start", "billing_period_end",
              unique=True, postgresql_where=text("source = 'proactive'"), sqlite_where=text("source = 'proactive'")),
    )

    audit_type = "sla_credit_request"

    @property
    def ticket_id(self) -> str:
        return f"SLA-{self.id:06d}"

    @property
    def claim_status(self) -> ClaimStatus:
        return ClaimStatus(self.status)

    def is_pending(self) -> bool:
        return self.status == ClaimStatus.PENDING

    def is_approved(self) -> bool:
        return self.status == ClaimStatus.APPROVED

    def blocks_overlapping_claims(self) -> bool:
        """A rejected claim does not block a new one: the user may dispute it with better evidence."""
        return self.status != ClaimStatus.REJECTED

    @staticmethod
    def blocking_statuses() -> tuple[str, ...]:
        return (ClaimStatus.PENDING.value, ClaimStatus.APPROVED.value)

    def _decide(self, status: ClaimStatus, actor_id: int, notes: str | None, when: datetime) -> None:
        if not self.is_pending():
            raise ValueError(f"{self.ticket_id} is already {self.status}")
        self.status = self.decision = status.value
        self.notes = notes
        self.decided_by = actor_id
        self.decided_at = when

    def approve(self, actor_id: int, amount: int, currency: str | None, notes: str | None, when: datetime) -> None:
        if amount <= 0:
            raise ValueError("an approved claim carries a positive credit")
        self._decide(ClaimStatus.APPROVED, actor_id, notes, when)
        self.credit_amount = amount
        self.currency = currency or self.currency

    def reject(self, actor_id: int, notes: str, when: datetime) -> None:
        self._decide(ClaimStatus.REJECTED, actor_id, notes, when)
        self.credit_amount = None
