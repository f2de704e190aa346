"""security: users.session_version; append-only audit_log on SQLite too

Revision ID: 0002_security_session_version
Revises: 0002_maintenance
Create Date: 2026-11-26 02:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0002_security_session_version'
down_revision = '0002_maintenance'
branch_labels = None
depends_on = None

# Same statements as app.models.audit.SQLITE_APPEND_ONLY (copied: a migration must not change when the
# app's code does). PostgreSQL has had its trigger since 0001.
SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END",
)


def upgrade():
    # A plain ADD COLUMN (SQLite has it): a batch copy of users would lose the expression index on lower(email).
    op.add_column('users', sa.Column('session_version', sa.Integer(), server_default=sa.text('0'), nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
