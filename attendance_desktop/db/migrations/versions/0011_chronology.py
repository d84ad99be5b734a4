"""chronology: the pupil chronology's own entries (notes, meetings, referrals), append-only
and chained

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLE = "chronologyentry"


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('with_whom', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('details', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['corrects_id'], ['chronologyentry.id'], ),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chronologyentry_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronologyentry_occurred_on'), ['occurred_on'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_chronologyentry_pupil_id'), ['pupil_id'],
                              unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {TABLE}_no_{action.lower()} BEFORE {action} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END")
    elif dialect == "postgresql":
        op.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                   "FOR EACH ROW EXECUTE FUNCTION attendance_append_only()")
    # The table is new and empty, so its chain simply starts with its first entry
    # (db/chains.py registers the kind; link_existing is a no-op kept for safety).
    from attendance_desktop.db import chains
    chains.link_existing(op.get_bind(), chains.KINDS[TABLE])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{action}")
    elif dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    # chainlink is append-only: its links to removed entries stay (a downgrade is a restore
    # from the backup taken before the upgrade in practice)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chronologyentry_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_chronologyentry_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_chronologyentry_kind'))
    op.drop_table(TABLE)
