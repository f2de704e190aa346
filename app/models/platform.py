"""Tables the wider platform owns; other services write them with plain SQL."""
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONType, UTCDateTime


class Workflow(db.Model):
    __tablename__ = "workflows"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="Untitled")
    description: Mapped[str | None] = mapped_column(Text)
    definition = mapped_column(JSONType)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    updated_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now(), onupdate=func.now())


class WorkflowRun(db.Model):
    __tablename__ = "workflow_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), index=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False, server_default="queued")
    started_at = mapped_column(UTCDateTime, server_default=func.now())
    finished_at = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    # The newest runs of one person (the archive's index.html) without sorting their whole history.
    __table_args__ = (Index("ix_workflow_runs_user_id_id", "user_id", "id"),)


class RunLog(db.Model):
    __tablename__ = "run_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("workflow_runs.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False, server_default="info")
    message: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    is_sensitive: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"), default=False)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())

    # The export walks one user's logs in id order; this index makes that a range scan.
    __table_args__ = (Index("ix_run_logs_user_id_id", "user_id", "id"), Index("ix_run_logs_run_id", "run_id"))


class Subscription(db.Model):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    plan: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False, server_default="active")
    price_amount: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="USD")
    current_period_start = mapped_column(UTCDateTime)
    current_period_end = mapped_column(UTCDateTime)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())

    user = relationship("User", lazy="joined")

    def __str__(self) -> str:
        return f"{self.plan} ({self.status}) #{self.id}"


class Invoice(db.Model):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True)
    number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), nullable=False, server_default="open")
    amount_due: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    amount_paid: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="USD")
    period_start = mapped_column(UTCDateTime)
    period_end = mapped_column(UTCDateTime)
    issued_at = mapped_column(UTCDateTime, server_default=func.now())
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(255))
    # Card brand/last4/fingerprint as billing stores them: card data, never exported.
    payment_details = mapped_column(JSONType)
