"""One proactive SLA claim per billing period of a subscription (issue 22)

A partial unique index: reruns of the proactive job, or two at once, cannot draft a period twice.

Revision ID: 0006_22_proactive_unique
Revises: 0006_24_drafts_maintenance
Create Date: 2026-12-02 03:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006_22_proactive_unique'
down_revision = '0006_24_drafts_maintenance'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('uq_sla_proactive_period', 'sla_credit_requests',
                    ['subscription_id', 'billing_period_start', 'billing_period_end'], unique=True,
                    postgresql_where=sa.text("source = 'proactive'"), sqlite_where=sa.text("source = 'proactive'"))


def downgrade():
    op.drop_index('uq_sla_proactive_period', table_name='sla_credit_requests')
