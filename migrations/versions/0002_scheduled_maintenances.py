"""scheduled maintenances

Revision ID: 0002_maintenance
Revises: 0001
Create Date: 2026-11-26 03:10:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002_maintenance'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduled_maintenances',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('components', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=True),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('status', sa.String(length=16), server_default='scheduled', nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_scheduled_maintenances_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_maintenances')),
    )
    with op.batch_alter_table('scheduled_maintenances', schema=None) as batch_op:
        batch_op.create_index('ix_scheduled_maintenances_window', ['starts_at', 'ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('scheduled_maintenances', schema=None) as batch_op:
        batch_op.drop_index('ix_scheduled_maintenances_window')
    op.drop_table('scheduled_maintenances')
