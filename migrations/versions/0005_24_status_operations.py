"""status operations (issue 24): the webhook payload format a subscriber chose; incident postmortems

Revision ID: 0005_24_status_operations
Revises: 0004_status_subscribers
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005_24_status_operations'
down_revision = '0004_status_subscribers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('status_subscribers') as batch:
        batch.add_column(sa.Column('webhook_format', sa.String(length=16), server_default='statuspage',
                                   nullable=False))
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('postmortem_body', sa.Text(), nullable=True))
        batch.add_column(sa.Column('postmortem_published_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('postmortem_published_at')
        batch.drop_column('postmortem_body')
    with op.batch_alter_table('status_subscribers') as batch:
        batch.drop_column('webhook_format')
