"""Migrations on SQLite are all or nothing and one process at a time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from attendance_desktop.__main__ import main
from attendance_desktop.config.paths import DB_FILE, resolve_paths
from attendance_desktop.db import migrate
from attendance_desktop.db.engine import make_engine
from attendance_desktop.services.database import open_database
from attendance_desktop.services.errors import MigrationFailed
from tests.db.migration_tools import (
    OLD_REVISION,
    migrations_copy,
    old_database,
    snapshot,
    start_together,
)

FAILING = '''"""A later revision that changes a lot, then fails (test only)."""
import sqlalchemy as sa
from alembic import op

revision = "9001_fails"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pupil", sa.Column("probe", sa.Integer(), nullable=True))
    op.create_table("probe_table", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO probe_table (id) VALUES (1)")
    with op.batch_alter_table("school", recreate="always") as batch:
        batch.add_column(sa.Column("motto", sa.String(), nullable=True))
    op.execute("UPDATE school SET name = 'Changed by a failing migration'")
    raise RuntimeError("this revision fails on purpose")


def downgrade() -> None:
    pass
'''

REBUILD = '''"""A later revision that rebuilds the pupil table, which marks refer to (test only)."""
import sqlalchemy as sa
from alembic import op

revision = "9002_rebuild"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pupil", recreate="always") as batch:
        batch.add_column(sa.Column("probe", sa.Integer(), nullable=True))


def downgrade() -> None:
    pass
'''


def _with_revision(tmp_path: Path, name: str, text: str) -> Path:
    head = migrate.head_revision()
    assert head is not None
    return migrations_copy(tmp_path / "newer", extra={name: text.replace("{head}", head)})


def _school_with_a_mark(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert main(["demo", "--pupils", "8", "--seed", "3", "--data-dir", str(data)]) == 0
    return data / DB_FILE


def test_a_failing_migration_leaves_the_database_exactly_as_it_was(tmp_path: Path) -> None:
    db_file = _school_with_a_mark(tmp_path)
    before = snapshot(db_file)
    newer = _with_revision(tmp_path, "9001_fails.py", FAILING)
    engine = make_engine(resolve_paths(db_file.parent, environ={}).url)
    try:
        with pytest.raises(migrate.UpgradeFailed) as caught:
            migrate.upgrade(engine, script_location=newer)
        assert isinstance(caught.value.__cause__, RuntimeError)
    finally:
        engine.dispose()
    after = snapshot(db_file)
    assert after == before
    assert "probe" not in after["columns"]["pupil"]  # type: ignore[index]
    assert "probe_table" not in after["columns"]  # type: ignore[operator]
    assert after["revision"] == [(migrate.head_revision(),)]
    # Nothing is left behind: the next start of this version works as before.
    open_database(resolve_paths(db_file.parent, environ={})).dispose()
    assert snapshot(db_file)["dump"] == before["dump"]


def test_a_failing_migration_reaches_the_user_as_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db_file = _school_with_a_mark(tmp_path)
    capsys.readouterr()
    before = snapshot(db_file)
    shipped = migrate.head_revision()
    monkeypatch.setattr(migrate, "MIGRATIONS", _with_revision(tmp_path, "9001_fails.py",
                                                              FAILING))
    code = main(["stats", "--data-dir", str(db_file.parent)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    head = migrate.head_revision()
    assert err.splitlines() == [
        f"attendance-desktop: Upgrading the database from revision {shipped} to {head} failed "
        "(RuntimeError: this revision fails on purpose); it was left exactly as it was: "
        "keep using the previous version of Attendance Desktop and report this"]
    assert snapshot(db_file) == before
    with pytest.raises(MigrationFailed):
        open_database(resolve_paths(db_file.parent, environ={}))


def test_a_table_rebuild_keeps_the_rows_that_refer_to_it(tmp_path: Path,
                                                          monkeypatch) -> None:
    # With foreign keys on, SQLite's DROP TABLE inside a rebuild would delete or refuse
    # the marks; the upgrade turns them off and checks them before COMMIT instead.
    db_file = _school_with_a_mark(tmp_path)
    count = "SELECT count(*) FROM mark"
    with sqlite3.connect(db_file) as con:
        marks = con.execute(count).fetchone()[0]
    assert marks > 100
    monkeypatch.setattr(migrate, "MIGRATIONS", _with_revision(tmp_path, "9002_rebuild.py",
                                                              REBUILD))
    engine = open_database(resolve_paths(db_file.parent, environ={}))
    try:
        assert migrate.current_revision(engine) == "9002_rebuild"
        with engine.connect() as conn:
            assert conn.exec_driver_sql(count).scalar() == marks
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()


def test_the_app_version_that_upgraded_is_recorded(tmp_path: Path) -> None:
    engine = open_database(resolve_paths(tmp_path / "d", environ={}))
    try:
        from attendance_desktop import __version__
        assert migrate.written_by(engine) == __version__
    finally:
        engine.dispose()


@pytest.mark.parametrize("start", ["new", "old"])
@pytest.mark.slow
def test_processes_starting_together_take_turns(tmp_path: Path, start: str) -> None:
    data = tmp_path / "data"
    db_file = data / DB_FILE
    if start == "old":
        data.mkdir()
        old_database(resolve_paths(data, environ={}).url, tmp_path)
    done = start_together(4, tmp_path / "go", "stats", "--data-dir", data)
    for proc in done:
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""
        assert proc.stdout.startswith("Attendance ")
    with sqlite3.connect(db_file) as con:
        assert con.execute("SELECT count(*) FROM school").fetchone() == (1,)
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrate.head_revision(),)]
        if start == "new":
            assert con.execute("SELECT count(*) FROM policysetting").fetchone()[0] > 30
    copies = sorted((data / "backups").glob("*.sqlite3")) if start == "old" else []
    if start == "old":  # exactly one process upgraded, and copied the file first
        assert len(copies) == 1
        assert copies[0].name.startswith(f"before-migration-{OLD_REVISION}-")
    else:
        assert not (data / "backups").exists()


def test_upgrades_and_copies_are_logged_without_pupils_data(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    data = tmp_path / "data"
    data.mkdir()
    old_database(resolve_paths(data, environ={}).url, tmp_path)
    caplog.clear()  # only what this start logs (old_database may have logged too)
    with caplog.at_level(logging.INFO, logger="attendance_desktop"):
        open_database(resolve_paths(data, environ={})).dispose()
    messages = [r.getMessage() for r in caplog.records if r.name == "attendance_desktop.db.migrate"]
    [copy] = list((data / "backups").glob("*.sqlite3"))
    assert messages == [
        f"copied the database (revision {OLD_REVISION}) to {copy} before upgrading it",
        f"upgrading the database schema from revision {OLD_REVISION} to "
        f"{migrate.head_revision()}",
        f"the database schema is at revision {migrate.head_revision()} (app version "
        f"{__import__('attendance_desktop').__version__})"]


def test_the_shipped_head_is_read_without_alembic_and_agrees_with_it():
    assert migrate.shipped_head() == migrate.head_revision()


def test_an_up_to_date_database_opens_without_importing_alembic(tmp_path: Path):
    """Start-up time: Alembic (and every revision file) loads only when a migration is
    due. An old database still upgrades through it."""
    import subprocess
    import sys

    paths = resolve_paths(tmp_path / "data", environ={})
    open_database(paths).dispose()  # new: migrated to head
    probe = ("import sys; from pathlib import Path;"
             "from attendance_desktop.config.paths import resolve_paths;"
             "from attendance_desktop.services.database import open_database;"
             f"open_database(resolve_paths(Path({str(tmp_path / 'data')!r}), environ={{}}))"
             ".dispose(); print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[2])
    assert out.stdout.strip() == "False", out.stderr

    old = resolve_paths(tmp_path / "old", environ={})
    old.data_dir.mkdir()
    old_database(old.url, tmp_path)
    open_database(old).dispose()
    with sqlite3.connect(old.data_dir / DB_FILE) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrate.head_revision(),)]
