"""users.locale and status_subscribers.locale: the language of pages and mails (issue 27)

Both nullable: no saved choice means Accept-Language decides pages and mails go out in English.

Revision ID: 0006_27_locales
Revises: 0006_25_runs_user_id_id
Create Date: 2026-12-02 03:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006_27_locales'
down_revision = '0006_25_runs_user_id_id'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
    with op.batch_alter_table('status_subscribers') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('status_subscribers') as batch:
        batch.drop_column('locale')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('locale')
