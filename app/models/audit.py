from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONType, UTCDateTime

# SQLite's equivalent of the PostgreSQL trigger (migration 0002 creates these; the test suite drops
# and re-creates them around its own clean-up, the one place rows may go).
SQLITE_APPEND_ONLY = (
    # The one UPDATE allowed: an erasure's pseudonymisation (ids, action and time unchanged, ip gone).
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "WHEN NOT (NEW.id = OLD.id AND NEW.created_at IS OLD.created_at AND NEW.action = OLD.action "
    "AND NEW.actor_id IS OLD.actor_id AND NEW.target_user_id IS OLD.target_user_id "
    "AND NEW.target_type IS OLD.target_type AND NEW.target_id IS OLD.target_id "
    "AND NEW.ip IS NULL AND json_extract(NEW.details, '$.pseudonymised') = 1) "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END",
)
SQLITE_APPEND_ONLY_DROP = ("DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete")


class AuditLog(db.Model):
    """Append-only: a trigger (see migrations) refuses DELETE and every UPDATE but an erasure's pseudonymisation
    (migration 0005_25_erasure), on PostgreSQL and SQLite."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    details = mapped_column(JSONType)

    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")
    target_user = relationship("User", foreign_keys=[target_user_id], lazy="joined")

    __table_args__ = (
        Index("ix_audit_log_created_at", "created_at"),
        Index("ix_audit_log_actor_id_created_at", "actor_id", "created_at"),
        Index("ix_audit_log_target_user_id_created_at", "target_user_id", "created_at"),
        Index("ix_audit_log_action_created_at", "action", "created_at"),
    )
