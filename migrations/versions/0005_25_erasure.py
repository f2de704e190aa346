"""erasure requests (GDPR Art. 17); audit_log stays append-only except for pseudonymisation

Revision ID: 0005_25_erasure
Revises: 0005_21_sla_disputes
Create Date: 2026-12-01 21:00:00

An erasure pseudonymises the person's audit rows: ids, action and time stay, the IP address goes and
personal values in `details` are replaced. The append-only guard is narrowed to allow exactly that
UPDATE (every identifying column unchanged, ip NULL, details marked "pseudonymised") and nothing else;
DELETE stays refused.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_25_erasure'
down_revision = '0005_21_sla_disputes'
branch_labels = None
depends_on = None

PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
       AND NEW.action = OLD.action AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.target_user_id IS NOT DISTINCT FROM OLD.target_user_id
       AND NEW.target_type IS NOT DISTINCT FROM OLD.target_type
       AND NEW.target_id IS NOT DISTINCT FROM OLD.target_id
       AND NEW.ip IS NULL AND (NEW.details ->> 'pseudonymised') = 'true' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
PG_GUARD_OLD = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
# Same statement as app.models.audit.SQLITE_APPEND_ONLY[0] (copied: a migration must not change with the app).
SQLITE_NO_UPDATE = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "WHEN NOT (NEW.id = OLD.id AND NEW.created_at IS OLD.created_at AND NEW.action = OLD.action "
    "AND NEW.actor_id IS OLD.actor_id AND NEW.target_user_id IS OLD.target_user_id "
    "AND NEW.target_type IS OLD.target_type AND NEW.target_id IS OLD.target_id "
    "AND NEW.ip IS NULL AND json_extract(NEW.details, '$.pseudonymised') = 1) "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END"
)
SQLITE_NO_UPDATE_OLD = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END"
)


def upgrade():
    op.create_table(
        'dsar_erasures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='scheduled', nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
        sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('hold_reason', sa.Text(), nullable=True),
        sa.Column('held_by_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('notify_email', sa.String(length=320), nullable=True),
        sa.Column('scheduled_emailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('final_emailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['held_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('dsar_erasures', schema=None) as batch_op:
        batch_op.create_index('ix_dsar_erasures_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_dsar_erasures_status_scheduled_for', ['status', 'scheduled_for'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GUARD)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute(SQLITE_NO_UPDATE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GUARD_OLD)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute(SQLITE_NO_UPDATE_OLD)
    with op.batch_alter_table('dsar_erasures', schema=None) as batch_op:
        batch_op.drop_index('ix_dsar_erasures_status_scheduled_for')
        batch_op.drop_index('ix_dsar_erasures_user_id')
    op.drop_table('dsar_erasures')
