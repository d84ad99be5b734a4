"""records: pupil-change log, access log, retention permits, demo staff flag

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

The two new logs are append-only like the audit tables of 0001. History may be deleted
only by the head's retention removal (services.retention_service): the DELETE guards of
markamendment and pupilchange let a row go when a `retentionpermit` row, inserted in the
same transaction and deleted before its commit, covers it (markamendment: dated before the
permit's date and
made before it; pupilchange: the permit's pupil). UPDATE stays refused everywhere.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

NEW_APPEND_ONLY = ("pupilchange", "accesslog")
# SQLite: WHEN clauses that let a covered row through the DELETE guard.
_SQLITE_PERMIT = {
    "markamendment": ("EXISTS (SELECT 1 FROM retentionpermit p WHERE"
                      " p.table_name = 'markamendment' AND OLD.date < p.before_date"
                      " AND OLD.amended_at < p.before_date)"),
    "pupilchange": ("EXISTS (SELECT 1 FROM retentionpermit p WHERE"
                    " p.table_name = 'pupilchange' AND p.pupil_id = OLD.pupil_id)"),
}
_PG_GUARD = """
CREATE OR REPLACE FUNCTION attendance_append_only_retention() RETURNS trigger AS $$
BEGIN
  -- Nested IFs: PL/pgSQL would resolve OLD.date on pupilchange inside one AND.
  IF TG_OP = 'DELETE' THEN
    IF TG_TABLE_NAME = 'markamendment' THEN
      IF EXISTS (SELECT 1 FROM retentionpermit p WHERE p.table_name = 'markamendment'
                 AND OLD.date < p.before_date AND OLD.amended_at < p.before_date) THEN
        RETURN OLD;
      END IF;
    ELSIF TG_TABLE_NAME = 'pupilchange' THEN
      IF EXISTS (SELECT 1 FROM retentionpermit p WHERE p.table_name = 'pupilchange'
                 AND p.pupil_id = OLD.pupil_id) THEN
        RETURN OLD;
      END IF;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END; $$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table('pupilchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_pupilchange_pupil_id'), 'pupilchange', ['pupil_id'], unique=False)
    op.create_index(op.f('ix_pupilchange_changed_at'), 'pupilchange', ['changed_at'],
                    unique=False)
    op.create_table('accesslog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('what', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pupils', sa.Integer(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('details', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_accesslog_kind'), 'accesslog', ['kind'], unique=False)
    op.create_index(op.f('ix_accesslog_at'), 'accesslog', ['at'], unique=False)
    op.create_table('retentionpermit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('before_date', sa.Date(), nullable=True),
    sa.Column('pupil_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('is_demo', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    _guards(create=True)


def downgrade() -> None:
    _guards(create=False)
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('is_demo')
    op.drop_table('retentionpermit')
    op.drop_index(op.f('ix_accesslog_at'), table_name='accesslog')
    op.drop_index(op.f('ix_accesslog_kind'), table_name='accesslog')
    op.drop_table('accesslog')
    op.drop_index(op.f('ix_pupilchange_changed_at'), table_name='pupilchange')
    op.drop_index(op.f('ix_pupilchange_pupil_id'), table_name='pupilchange')
    op.drop_table('pupilchange')


def _guards(create: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_guards(create)
    elif dialect == "postgresql":
        _pg_guards(create)


def _sqlite_guards(create: bool) -> None:
    raise_ = "BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END"
    if not create:
        for t in NEW_APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {t}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {t}_no_delete")
        # markamendment goes back to 0001's unconditional guard.
        op.execute("DROP TRIGGER IF EXISTS markamendment_no_delete")
        op.execute("CREATE TRIGGER markamendment_no_delete BEFORE DELETE ON markamendment "
                   + raise_.format(t="markamendment"))
        return
    for t in NEW_APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} " + raise_.format(t=t))
    op.execute("CREATE TRIGGER accesslog_no_delete BEFORE DELETE ON accesslog "
               + raise_.format(t="accesslog"))
    op.execute("DROP TRIGGER IF EXISTS markamendment_no_delete")
    for t, permit in _SQLITE_PERMIT.items():
        op.execute(f"CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} "
                   f"WHEN NOT {permit} " + raise_.format(t=t))


def _pg_guards(create: bool) -> None:
    if not create:
        for t in NEW_APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")
        op.execute("DROP TRIGGER IF EXISTS markamendment_append_only ON markamendment")
        op.execute("CREATE TRIGGER markamendment_append_only BEFORE UPDATE OR DELETE ON"
                   " markamendment FOR EACH ROW EXECUTE FUNCTION attendance_append_only()")
        op.execute("DROP FUNCTION IF EXISTS attendance_append_only_retention()")
        return
    op.execute(_PG_GUARD)
    op.execute("CREATE TRIGGER accesslog_append_only BEFORE UPDATE OR DELETE ON accesslog"
               " FOR EACH ROW EXECUTE FUNCTION attendance_append_only()")
    for t in ("markamendment", "pupilchange"):
        op.execute(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")
        op.execute(f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}"
                   " FOR EACH ROW EXECUTE FUNCTION attendance_append_only_retention()")
