"""status operations (issue 24): the webhook payload format a subscriber chose; incident postmortems;
incident templates; maintenance reminders

Revision ID: 0005_24_status_operations
Revises: 0005_23_update_components
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005_24_status_operations'
down_revision = '0005_23_update_components'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'incident_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('impact', sa.String(length=16), server_default='minor', nullable=False),
        sa.Column('components', JSON, nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_templates')),
        sa.UniqueConstraint('name', name=op.f('uq_incident_templates_name')),
    )
    with op.batch_alter_table('status_subscribers') as batch:
        batch.add_column(sa.Column('webhook_format', sa.String(length=16), server_default='statuspage',
                                   nullable=False))
    with op.batch_alter_table('scheduled_maintenances') as batch:
        batch.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('postmortem_body', sa.Text(), nullable=True))
        batch.add_column(sa.Column('postmortem_published_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('scheduled_maintenances') as batch:
        batch.drop_column('reminded_at')
    op.drop_table('incident_templates')
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('postmortem_published_at')
        batch.drop_column('postmortem_body')
    with op.batch_alter_table('status_subscribers') as batch:
        batch.drop_column('webhook_format')
