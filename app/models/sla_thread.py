"""What follows a decision on an SLA claim: the customer's dispute of it (one per claim, decided by a second
staff member) and the message thread between customer and staff. Both belong to the claim's aggregate."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the first decision stands
    REVISED = "revised"  # the claim's credit was raised; the difference is credited once


class SlaDispute(db.Model):
    __tablename__ = "sla_disputes"
    audit_type = "sla_dispute"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("sla_credit_requests.id", ondelete="CASCADE"), nullable=False,
                                          unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    attachment_key: Mapped[str | None] = mapped_column(String(255))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default=DisputeStatus.OPEN.value,
                                        default=DisputeStatus.OPEN.value)
    opened_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    first_credit_amount: Mapped[int | None] = mapped_column(Integer)  # what the first decision credited
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    # A revision credits the difference between the new total and the first credit, once.
    credit_difference: Mapped[int | None] = mapped_column(Integer)
    credit_method: Mapped[str | None] = mapped_column(String(16))
    credit_state: Mapped[str | None] = mapped_column(String(16))
    stripe_ref: Mapped[str | None] = mapped_column(String(255))
    credit_error: Mapped[str | None] = mapped_column(Text)
    emailed_at = mapped_column(UTCDateTime)  # the outcome email went out

    claim = relationship("SlaCreditRequest", back_populates="dispute")

    __table_args__ = (Index("ix_sla_disputes_status", "status"), Index("ix_sla_disputes_user_id", "user_id"))

    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN

    def decide(self, outcome: DisputeStatus, actor_id: int, notes: str, when: datetime) -> None:
        if not self.is_open():
            raise ValueError(f"dispute {self.id} is already {self.status}")
        self.status, self.decided_by, self.notes, self.decided_at = outcome.value, actor_id, notes, when


class MessageSide(StrEnum):
    CUSTOMER = "customer"
    SUPPORT = "support"


class SlaClaimMessage(db.Model):
    __tablename__ = "sla_claim_messages"
    audit_type = "sla_claim_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("sla_credit_requests.id", ondelete="CASCADE"), nullable=False)
    # The claim's owner (whose data the thread is), whoever wrote the message.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(16), nullable=False)  # MessageSide
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    emailed_at = mapped_column(UTCDateTime)  # the other side was emailed

    claim = relationship("SlaCreditRequest", back_populates="messages")

    __table_args__ = (Index("ix_sla_claim_messages_claim_id", "claim_id"),
                      Index("ix_sla_claim_messages_user_id", "user_id"))
