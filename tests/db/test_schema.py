"""The SQLite schema: migrations match the models, pragmas, append-only audit tables,
transactions, and a copy of the file before any migration."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import SQLModel, select

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.db import migrate
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    APPEND_ONLY_TABLES,
    ChronologyEntry,
    LeaveDecision,
    LeaveRequest,
    Mark,
    MarkAmendment,
    MarkLedger,
    Pupil,
    SettingChange,
    TrackerEvent,
)
from attendance_desktop.services.database import open_database

DAY = dt.date(2025, 11, 17)


def add_pupil(engine: Engine, upn: str | None = None) -> int:
    with session_scope(engine) as s:
        p = Pupil(upn=upn, legal_forename="Schema", legal_surname="Test",
                  dob=dt.date(2018, 5, 1), year_group="2", admission_date=dt.date(2025, 9, 1))
        s.add(p)
        s.flush()
        assert p.id is not None
        return p.id


def test_migrations_produce_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    assert migrate.current_revision(engine) == migrate.head_revision(engine)


def test_sqlite_runs_with_wal_and_foreign_keys(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(Mark(pupil_id=999_999, date=DAY, session="AM", code="/"))


def _one_row_each(engine: Engine) -> None:
    pid = add_pupil(engine)
    with session_scope(engine) as s:
        s.add(MarkAmendment(pupil_id=pid, date=DAY, session="AM", old_code="N", new_code="I",
                            staff_name="A", staff_role="office"))
        s.add(SettingChange(area="policy", key="k", old_value="1", new_value="2"))
        s.add(MarkLedger(pupil_id=pid, date=DAY, session="AM", code="/",
                         entered_at=dt.datetime(2025, 11, 17, 8, 50), prev_hash="", hash=""))
        s.add(TrackerEvent(pupil_id=pid, tracker="lateness", kind="level", value="1"))
        request = LeaveRequest(pupil_id=pid, requested_by="Parent", received_date=DAY,
                               first_date=DAY, last_date=DAY, ground="C")
        s.add(request)
        s.flush()
        s.add(LeaveDecision(request_id=request.id, outcome="refused", decided_on=DAY,
                            staff_name="Head", staff_role="head"))
        s.add(ChronologyEntry(pupil_id=pid, kind="note", occurred_on=DAY,
                              recorded_at=dt.datetime(2025, 11, 17, 9), staff_name="Head",
                              staff_role="head"))


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_audit_tables_refuse_update_and_delete(engine: Engine, table: str) -> None:
    _one_row_each(engine)
    with engine.connect() as conn:
        before = conn.execute(text(f"SELECT * FROM {table}")).all()
    assert len(before) >= 1

    for statement in (f"UPDATE {table} SET id = id + 1000", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))

    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT * FROM {table}")).all() == before
    # Adding rows is still allowed.
    with session_scope(engine) as s:
        s.add(SettingChange(area="policy", key="k2", new_value="3"))


def _marks_then_duplicate_upn(engine: Engine, pupil_id: int) -> None:
    with session_scope(engine) as s:
        s.add(Mark(pupil_id=pupil_id, date=DAY, session="AM", code="/"))
        s.add(SettingChange(area="marks", key="x", new_value="y"))
        s.flush()
        s.add(Pupil(upn="TAKEN", legal_forename="Dup", legal_surname="Licate",
                    dob=dt.date(2018, 1, 1), year_group="2",
                    admission_date=dt.date(2025, 9, 1)))


def _mark_then_python_error(engine: Engine, pupil_id: int) -> None:
    with session_scope(engine) as s:
        s.add(Mark(pupil_id=pupil_id, date=DAY, session="PM", code="\\"))
        s.flush()
        raise RuntimeError("the user's action failed half way")


def test_a_failing_write_rolls_back_the_whole_action(engine: Engine) -> None:
    taken = add_pupil(engine, upn="TAKEN")

    with pytest.raises(IntegrityError):
        _marks_then_duplicate_upn(engine, taken)
    with pytest.raises(RuntimeError, match="half way"):
        _mark_then_python_error(engine, taken)

    with session_scope(engine) as s:
        assert s.exec(select(Mark)).all() == []
        assert s.exec(select(SettingChange).where(SettingChange.area == "marks")).all() == []
        assert len(s.exec(select(Pupil)).all()) == 1


NEXT_REVISION = '''"""A later schema version (test only)."""
from alembic import op
import sqlalchemy as sa

revision = "test_probe"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("migration_probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("migration_probe")
'''


def test_an_older_database_is_copied_before_it_is_migrated(
        engine: Engine, paths: AppPaths, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    add_pupil(engine, upn="KEEPME")
    engine.dispose()
    assert not paths.backup_dir.exists()  # a new database needs no copy
    open_database(paths).dispose()  # nor does one already at the latest version
    assert not paths.backup_dir.exists()

    # A newer release of the app: the same migrations plus one more.
    newer = tmp_path / "newer_migrations"
    shutil.copytree(migrate.MIGRATIONS, newer, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision(engine)
    (newer / "versions" / "test_probe.py").write_text(NEXT_REVISION.replace("{head}", head),
                                                      encoding="utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS", newer)

    upgraded = open_database(paths)
    try:
        assert migrate.current_revision(upgraded) == "test_probe"
        with upgraded.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM migration_probe").scalar() == 0
    finally:
        upgraded.dispose()

    copies = sorted(paths.backup_dir.glob("*.sqlite3"))
    assert [c.name.startswith(f"before-migration-{head}-") for c in copies] == [True]
    old = sqlite3.connect(copies[0])
    try:
        assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
        assert old.execute("SELECT upn FROM pupil").fetchall() == [("KEEPME",)]
        tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master")}
        assert "migration_probe" not in tables
    finally:
        old.close()
