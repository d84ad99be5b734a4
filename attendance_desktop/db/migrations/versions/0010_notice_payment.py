"""notice payment: a penalty notice's payment date and the amount paid

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('penaltynotice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('amount_paid', sa.Integer(), nullable=True))
    # notices already marked paid: the status date was the payment date
    op.execute("UPDATE penaltynotice SET paid_on = status_date, amount_paid = amount "
               "WHERE status = 'paid'")


def downgrade() -> None:
    with op.batch_alter_table('penaltynotice', schema=None) as batch_op:
        batch_op.drop_column('amount_paid')
        batch_op.drop_column('paid_on')
