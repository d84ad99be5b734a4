"""Backups of a PostgreSQL database on the throwaway test server: pg_dump, verify with
pg_restore --list, restore with pg_restore; without pg_dump, a plain statement."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from attendance_desktop.config.paths import AppPaths, resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.records import backup_service, backup_store, restore_service
from tests.conftest import HEAD
from tests.db.pg_server import running_server, server_binaries
from tests.services import backup_helpers as h

pytestmark = [
    pytest.mark.skipif(server_binaries() is None, reason="PostgreSQL server binaries missing"),
    pytest.mark.skipif(shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
                       reason="pg_dump / pg_restore missing"),
]
pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")


@pytest.fixture(scope="module")
def pg_base():
    with running_server(password="s3cret@:/%") as base:
        yield base


@pytest.fixture
def pg_paths(pg_base: str, tmp_path: Path) -> AppPaths:
    name = f"school_{tmp_path.name[-20:].replace('-', '_').lower()}"
    admin = create_engine(f"{pg_base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return resolve_paths(tmp_path / "data", f"{pg_base}/{name}", environ={})


def test_pg_backup_change_restore_gives_the_same_register(pg_paths: AppPaths) -> None:
    engine = open_database(pg_paths)
    try:
        pupils = h.school_with_year(engine)
        h.mark(engine, pupils, h.FIRST_DAY, "AM", "/")
        before = h.register(engine)
        when = dt.datetime(2026, 12, 1, 9, 0)
        result = backup_service.run_job(backup_service.make_backup(pg_paths, engine,
                                                                   clock=lambda: when))
        assert isinstance(result, backup_service.BackupResult)
        assert result.path is not None
        assert result.path.name.endswith(".dump")
        assert backup_service.verify_database(result.path).ok
        assert backup_store.last_good(pg_paths) is not None
        h.mark(engine, pupils, h.FIRST_DAY, "PM", "\\")
        assert h.register(engine) != before
        restored = backup_service.run_job(restore_service.restore(
            pg_paths, engine, result.path, HEAD, clock=lambda: when + dt.timedelta(hours=1)))
        assert isinstance(restored, restore_service.RestoreResult)
        assert restored.kept_copy.name.startswith("before-restore-")
        assert h.register(engine) == before
        # The PostgreSQL board needs no second folder: the server is IT's to copy.
        status = backup_service.status(pg_paths, engine, when + dt.timedelta(hours=1))
        assert not any("second backup folder" in w for w in status.warnings)
    finally:
        engine.dispose()


def test_without_pg_dump_the_school_is_told_what_to_do(pg_paths: AppPaths,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    engine = open_database(pg_paths)
    try:
        monkeypatch.setenv("PATH", "/nonexistent")
        result = backup_service.run_job(backup_service.make_backup(pg_paths, engine))
        assert isinstance(result, backup_service.BackupResult)
        assert result.path is None
        assert "ask IT to back it up on the server" in result.note
    finally:
        engine.dispose()
