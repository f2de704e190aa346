"""status subscribers, the events they are told about, and one delivery record per (event, subscriber)

Revision ID: 0004_status_subscribers
Revises: 0003_dsar_mail_state
Create Date: 2026-11-26 06:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004_status_subscribers'
down_revision = '0003_dsar_mail_state'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def _times():
    return [sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)]


def upgrade():
    op.create_table(
        'status_subscribers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('webhook_url', sa.String(length=2048), nullable=True),
        sa.Column('components', JSON, nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
        *_times(),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('confirm_token', sa.String(length=64), nullable=True),
        sa.Column('webhook_secret', sa.String(length=64), nullable=True),
        sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_delivery_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('disabled_emailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_status_subscribers')),
    )
    op.create_index('uq_status_subscribers_target', 'status_subscribers',
                    ['email', sa.text("coalesce(webhook_url, '')")], unique=True)
    op.create_table(
        'status_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('subject_type', sa.String(length=16), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('update_id', sa.Integer(), nullable=True),
        sa.Column('components', JSON, nullable=True),
        *_times(),
        sa.Column('fanned_out_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recipients', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_status_events')),
    )
    op.create_index('ix_status_events_pending', 'status_events', ['fanned_out_at', 'created_at'])
    op.create_table(
        'status_notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='sending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        *_times(),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['status_events.id'],
                                name=op.f('fk_status_notifications_event_id_status_events'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscriber_id'], ['status_subscribers.id'],
                                name=op.f('fk_status_notifications_subscriber_id_status_subscribers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_status_notifications')),
        sa.UniqueConstraint('event_id', 'subscriber_id', name='uq_status_notifications_once'),
    )
    op.create_index('ix_status_notifications_subscriber_id', 'status_notifications', ['subscriber_id'])


def downgrade():
    op.drop_table('status_notifications')
    op.drop_table('status_events')
    op.drop_index('uq_status_subscribers_target', table_name='status_subscribers')
    op.drop_table('status_subscribers')
