"""SLA disputes and the message thread on a claim; sla_credit_requests.source (customer / proactive)

Revision ID: 0005_21_sla_disputes
Revises: 0004_status_subscribers
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005_21_sla_disputes'
down_revision = '0004_status_subscribers'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('sla_credit_requests') as batch:
        batch.add_column(sa.Column('source', sa.String(length=16), server_default='customer', nullable=False))
    op.create_table(
        'sla_disputes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('attachment_key', sa.String(length=255), nullable=True),
        sa.Column('attachment_name', sa.String(length=255), nullable=True),
        sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
        sa.Column('opened_at', TZ, server_default=sa.func.now(), nullable=False),
        sa.Column('first_credit_amount', sa.Integer(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', TZ, nullable=True),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('credit_difference', sa.Integer(), nullable=True),
        sa.Column('credit_method', sa.String(length=16), nullable=True),
        sa.Column('credit_state', sa.String(length=16), nullable=True),
        sa.Column('stripe_ref', sa.String(length=255), nullable=True),
        sa.Column('credit_error', sa.Text(), nullable=True),
        sa.Column('emailed_at', TZ, nullable=True),
        sa.ForeignKeyConstraint(['claim_id'], ['sla_credit_requests.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('claim_id'),
    )
    op.create_index('ix_sla_disputes_status', 'sla_disputes', ['status'])
    op.create_index('ix_sla_disputes_user_id', 'sla_disputes', ['user_id'])
    op.create_table(
        'sla_claim_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('side', sa.String(length=16), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', TZ, server_default=sa.func.now(), nullable=False),
        sa.Column('emailed_at', TZ, nullable=True),
        sa.ForeignKeyConstraint(['claim_id'], ['sla_credit_requests.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sla_claim_messages_claim_id', 'sla_claim_messages', ['claim_id'])
    op.create_index('ix_sla_claim_messages_user_id', 'sla_claim_messages', ['user_id'])


def downgrade():
    op.drop_table('sla_claim_messages')
    op.drop_table('sla_disputes')
    with op.batch_alter_table('sla_credit_requests') as batch:
        batch.drop_column('source')
