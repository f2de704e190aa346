"""SLA credits measured per billing period: period, charge, monthly uptime, credit method/state, emailed_at

Revision ID: 0002_sla_monthly_uptime
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002_sla_monthly_uptime'
down_revision = '0002_dsar_downloaded_extended'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sla_credit_requests') as batch:
        # Same figures, now over the billing period rather than the typed window: renamed to the SPEC's names.
        batch.alter_column('measured_down_minutes', new_column_name='measured_downtime_minutes')
        batch.alter_column('measured_uptime_pct', new_column_name='monthly_uptime_percent')
        batch.add_column(sa.Column('billing_period_start', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('billing_period_end', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('period_charge', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('credit_method', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('credit_state', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('credit_error', sa.Text(), nullable=True))
        batch.add_column(sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('sla_credit_requests') as batch:
        for name in ('emailed_at', 'credit_error', 'credit_state', 'credit_method', 'period_charge',
                     'billing_period_end', 'billing_period_start'):
            batch.drop_column(name)
        batch.alter_column('monthly_uptime_percent', new_column_name='measured_uptime_pct')
        batch.alter_column('measured_downtime_minutes', new_column_name='measured_down_minutes')
