"""chains: tamper-evident hash chains (mark ledger, chain links), started over existing rows

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

NEW_APPEND_ONLY = ("markledger", "chainlink")


def upgrade() -> None:
    op.create_table('markledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('minutes_late', sa.Integer(), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('chainlink',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'record_id')
    )
    op.create_index('ix_chainlink_kind_id', 'chainlink', ['kind', 'id'], unique=False)
    dialect = op.get_bind().dialect.name
    for table in NEW_APPEND_ONLY:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        elif dialect == "postgresql":
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION attendance_append_only()")
    # The chains start here, over what the database already holds (the canonical form is
    # the app's own, db/chains.py: it must not change once hashes exist).
    from attendance_desktop.db import chains
    chains.start_chains(op.get_bind(), dt.datetime.now())


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in NEW_APPEND_ONLY:
        if dialect == "sqlite":
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DELETE FROM appmeta WHERE key = 'chains_started'")
    op.drop_index('ix_chainlink_kind_id', table_name='chainlink')
    op.drop_table('chainlink')
    op.drop_table('markledger')
