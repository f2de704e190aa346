"""incident_updates.components: the Statuspage component status an update declares per component

Revision ID: 0005_23_update_components
Revises: 0005_25_erasure
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005_23_update_components'
down_revision = '0005_25_erasure'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.add_column('incident_updates', sa.Column('components', JSON, nullable=True))


def downgrade():
    op.drop_column('incident_updates', 'components')
