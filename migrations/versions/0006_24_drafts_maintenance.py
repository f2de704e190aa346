"""status operations, second part (issue 24): draft incidents raised by failing checks; updates
posted while a maintenance window runs

Revision ID: 0006_24_drafts_maintenance
Revises: 0005_28_delivery_lease
Create Date: 2026-12-02 03:40:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006_24_drafts_maintenance'
down_revision = '0005_28_delivery_lease'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'incident_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('impact', sa.String(length=16), server_default='minor', nullable=False),
        sa.Column('components', JSON, nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
        sa.Column('snapshot_id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('oncall_mailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('oncall_mailed_to', JSON, nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_drafts_incident_id_incidents'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_incident_drafts_closed_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_drafts')),
        sa.UniqueConstraint('snapshot_id', name=op.f('uq_incident_drafts_snapshot_id')),
    )
    op.create_table(
        'maintenance_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('maintenance_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(['maintenance_id'], ['scheduled_maintenances.id'],
                                name=op.f('fk_maintenance_updates_maintenance_id_scheduled_maintenances'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_maintenance_updates_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_updates')),
    )
    op.create_index(op.f('ix_maintenance_updates_maintenance_id'), 'maintenance_updates', ['maintenance_id'])


def downgrade():
    op.drop_index(op.f('ix_maintenance_updates_maintenance_id'), table_name='maintenance_updates')
    op.drop_table('maintenance_updates')
    op.drop_table('incident_drafts')
