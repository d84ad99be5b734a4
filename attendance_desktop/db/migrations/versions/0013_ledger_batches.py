"""ledger batches: an import's mark writes in one ledger row (markledger.batch)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column added in place (no table copy): the append-only triggers stay.
    op.add_column('markledger', sa.Column('batch', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # (SQLite 3.35+ drops a column in place.) Batch rows lose their writes: in practice a
    # downgrade is a restore of the backup taken before the upgrade.
    op.drop_column('markledger', 'batch')
