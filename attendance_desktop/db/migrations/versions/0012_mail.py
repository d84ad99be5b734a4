"""mail: the school's mail settings, the email outbox and its per-attempt outcomes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = sqlmodel.sql.sqltypes.AutoString
    op.create_table('mailsettings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host', s(), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('security', s(), nullable=False),
    sa.Column('account', s(), nullable=False),
    sa.Column('from_address', s(), nullable=False),
    sa.Column('from_name', s(), nullable=False),
    sa.Column('reply_to', s(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('outboxmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', s(), nullable=False),
    sa.Column('kind', s(), nullable=False),
    sa.Column('recipient', s(), nullable=False),
    sa.Column('recipient_name', s(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('pupil_ids', s(), nullable=False),
    sa.Column('letterlog_id', sa.Integer(), nullable=True),
    sa.Column('subject', s(), nullable=False),
    sa.Column('body', s(), nullable=False),
    sa.Column('attachment_name', s(), nullable=False),
    sa.Column('attachment', sa.LargeBinary(), nullable=True),
    sa.Column('status', s(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', s(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('queued_by', s(), nullable=False),
    sa.ForeignKeyConstraint(['letterlog_id'], ['letterlog.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index('ix_outbox_status_next', 'outboxmessage', ['status', 'next_attempt_at'],
                    unique=False)
    op.create_index(op.f('ix_outboxmessage_letterlog_id'), 'outboxmessage', ['letterlog_id'],
                    unique=False)
    op.create_index(op.f('ix_outboxmessage_status'), 'outboxmessage', ['status'], unique=False)
    op.create_table('mailevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('letterlog_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('outcome', s(), nullable=False),
    sa.Column('detail', s(), nullable=False),
    sa.Column('staff_name', s(), nullable=False),
    sa.ForeignKeyConstraint(['letterlog_id'], ['letterlog.id'], ),
    sa.ForeignKeyConstraint(['outbox_id'], ['outboxmessage.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_mailevent_letterlog_id'), 'mailevent', ['letterlog_id'],
                    unique=False)
    op.create_index(op.f('ix_mailevent_outbox_id'), 'mailevent', ['outbox_id'], unique=False)
    op.create_table('mailtemplate',
    sa.Column('key', s(), nullable=False),
    sa.Column('title', s(), nullable=False),
    sa.Column('subject', s(), nullable=False),
    sa.Column('body', s(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_by', s(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('mailtemplate')
    op.drop_index(op.f('ix_mailevent_outbox_id'), table_name='mailevent')
    op.drop_index(op.f('ix_mailevent_letterlog_id'), table_name='mailevent')
    op.drop_table('mailevent')
    op.drop_index(op.f('ix_outboxmessage_status'), table_name='outboxmessage')
    op.drop_index(op.f('ix_outboxmessage_letterlog_id'), table_name='outboxmessage')
    op.drop_index('ix_outbox_status_next', table_name='outboxmessage')
    op.drop_table('outboxmessage')
    op.drop_table('mailsettings')
