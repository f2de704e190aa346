"""dsar_exports: downloaded_at (fair throttle, deadline tracking) and the one deadline extension

Revision ID: 0002_dsar_downloaded_extended
Revises: 0002_maintenance
Create Date: 2026-11-26 02:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0002_dsar_downloaded_extended'
down_revision = '0002_security_session_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dsar_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extension_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('extended_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_dsar_exports_extended_by_id_users'), 'users',
                                    ['extended_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('dsar_exports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dsar_exports_extended_by_id_users'), type_='foreignkey')
        batch_op.drop_column('extended_by_id')
        batch_op.drop_column('extension_reason')
        batch_op.drop_column('extended_at')
        batch_op.drop_column('downloaded_at')
