"""status_notifications.lease_until: how long a claimed delivery belongs to the job that claimed it

A row left `sending` by a killed work horse is taken again once its lease has run out (issue 28).
Rows that existed before have the lease of now: any of them still `sending` is re-sent by the sweep.

Revision ID: 0005_28_delivery_lease
Revises: 0005_24_status_operations
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005_28_delivery_lease'
down_revision = '0005_24_status_operations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('status_notifications') as batch:
        batch.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), server_default=sa.func.now(),
                                   nullable=False))


def downgrade():
    with op.batch_alter_table('status_notifications') as batch:
        batch.drop_column('lease_until')
