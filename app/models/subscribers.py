"""Status page subscribers (email, or a webhook with its contact email), the events they are told
about, and one delivery record per (event, subscriber) that makes every send happen at most once."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONType, UTCDateTime

SUBSCRIBER_STATES = ("pending", "active", "disabled", "unsubscribed")
# What a webhook delivery looks like: Statuspage's JSON, a Slack incoming-webhook message, a Teams card.
WEBHOOK_FORMATS = ("statuspage", "slack", "teams")


class StatusSubscriber(db.Model):
    """Pending until confirmed through the emailed link (double opt-in); nothing is sent before.
    `components` empty means every component. A webhook subscriber is disabled after repeated failed
    deliveries (`disabled_at`), and its contact is told."""

    __tablename__ = "status_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False)  # stored lower-cased
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    components = mapped_column(JSONType)
    confirmed_at = mapped_column(UTCDateTime)
    unsubscribed_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    updated_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now(), onupdate=func.now())
    # The nonce the newest confirmation link carries: a link is good once, and only the newest one.
    confirm_token: Mapped[str | None] = mapped_column(String(64))
    # HMAC key for webhook signatures: created at confirmation and shown once, on that page.
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    webhook_format: Mapped[str] = mapped_column(String(16), nullable=False, server_default="statuspage",
                                                default="statuspage")
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The language of the page the subscription was asked on ("en" | "de"): every mail to them is in it.
    locale: Mapped[str | None] = mapped_column(String(8))
    last_delivery_at = mapped_column(UTCDateTime)
    disabled_at = mapped_column(UTCDateTime)
    disabled_emailed_at = mapped_column(UTCDateTime)

    __table_args__ = (
        # One subscription per address, and one per (contact, webhook URL).
        Index("uq_status_subscribers_target", "email", func.coalesce(webhook_url, ""), unique=True),
    )

    def __str__(self) -> str:
        return self.email if not self.webhook_url else f"{self.email} → {self.webhook_url}"

    @property
    def kind(self) -> str:
        return "webhook" if self.webhook_url else "email"

    @property
    def state(self) -> str:
        if self.unsubscribed_at is not None:
            return "unsubscribed"
        if self.disabled_at is not None:
            return "disabled"
        return "active" if self.confirmed_at is not None else "pending"

    @classmethod
    def state_is(cls, state: str):
        """The SQL condition for `state` (the same order of precedence as the property)."""
        conditions = {
            "unsubscribed": cls.unsubscribed_at.is_not(None),
            "disabled": cls.unsubscribed_at.is_(None) & cls.disabled_at.is_not(None),
            "active": cls.unsubscribed_at.is_(None) & cls.disabled_at.is_(None) & cls.confirmed_at.is_not(None),
            "pending": cls.unsubscribed_at.is_(None) & cls.disabled_at.is_(None) & cls.confirmed_at.is_(None),
        }
        return conditions[state]


class StatusEvent(db.Model):
    """What subscribers are told about, written in the same transaction as the change (an outbox): a
    lost enqueue is found by the sweeper, so no notification is silently dropped."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)  # incident.created, maintenance.started…
    subject_type: Mapped[str] = mapped_column(String(16), nullable=False)  # incident / maintenance
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    update_id: Mapped[int | None] = mapped_column(Integer)  # the incident update it announces
    components = mapped_column(JSONType)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    fanned_out_at = mapped_column(UTCDateTime)
    recipients: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_status_events_pending", "fanned_out_at", "created_at"),)


class DeliveryStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # unsubscribed or disabled before its turn


class StatusNotification(db.Model):
    __tablename__ = "status_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("status_events.id", ondelete="CASCADE"), nullable=False)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("status_subscribers.id", ondelete="CASCADE"),
                                               nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default=DeliveryStatus.SENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    sent_at = mapped_column(UTCDateTime)
    # A `sending` row belongs to the job that claimed it until then; after, a crashed send is taken again.
    lease_until = mapped_column(UTCDateTime, nullable=False, server_default=func.now())

    subscriber = relationship("StatusSubscriber")

    __table_args__ = (UniqueConstraint("event_id", "subscriber_id", name="uq_status_notifications_once"),)
