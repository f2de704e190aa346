"""workflow_runs (user_id, id): the newest runs of one person without sorting their whole history

The DSAR archive's index.html shows a person's 200 most recent runs (issue 25.2). With only the index on
user_id, PostgreSQL read and sorted all of a heavy user's runs for that (110 ms for 100,000 runs); with
this one it reads 200 index entries backwards, as run_logs already does with ix_run_logs_user_id_id.

Revision ID: 0006_25_runs_user_id_id
Revises: 0006_22_proactive_unique
Create Date: 2026-12-02 03:40:00

"""
from alembic import op

revision = '0006_25_runs_user_id_id'
down_revision = '0006_22_proactive_unique'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_workflow_runs_user_id_id', 'workflow_runs', ['user_id', 'id'])


def downgrade():
    op.drop_index('ix_workflow_runs_user_id_id', table_name='workflow_runs')
