"""dsar_exports: failure_emailed_at and extension_emailed_at, set once the relay accepted the mail

Revision ID: 0003_dsar_mail_state
Revises: 0002_sla_monthly_uptime
Create Date: 2026-11-26 05:40:00

Until now the audit row ("dsar.failure_emailed" / "dsar.extension_emailed") was the only record that
those mails went; the columns are filled from it, so the sweeper never sends a mail a second time.
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_dsar_mail_state'
down_revision = '0002_sla_monthly_uptime'
branch_labels = None
depends_on = None

_BACKFILL = """
UPDATE dsar_exports SET {column} = (
    SELECT MIN(a.created_at) FROM audit_log a
    WHERE a.action = '{action}' AND a.target_type = 'dsar_export'
      AND a.target_id = CAST(dsar_exports.id AS VARCHAR(64)))
WHERE {column} IS NULL
"""


def upgrade():
    with op.batch_alter_table('dsar_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failure_emailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extension_emailed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(_BACKFILL.format(column='failure_emailed_at', action='dsar.failure_emailed'))
    op.execute(_BACKFILL.format(column='extension_emailed_at', action='dsar.extension_emailed'))


def downgrade():
    with op.batch_alter_table('dsar_exports', schema=None) as batch_op:
        batch_op.drop_column('extension_emailed_at')
        batch_op.drop_column('failure_emailed_at')
