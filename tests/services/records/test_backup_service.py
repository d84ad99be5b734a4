"""Backups on real files: verified before they count, private, copied to a second folder,
rotated by an injected clock, restored into the live file; settings audited."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import SettingChange
from attendance_desktop.domain import backups as rules
from attendance_desktop.domain.backups import BackupSettings
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.records import backup_service, backup_store, restore_service
from tests.conftest import HEAD, OFFICE
from tests.services import backup_helpers as h

NOW = dt.datetime(2026, 12, 1, 9, 30)


def backup(paths: AppPaths, engine: Engine, when: dt.datetime = NOW,
           **kw: object) -> backup_service.BackupResult:
    result = backup_service.run_job(backup_service.make_backup(
        paths, engine, clock=lambda: when, **kw))  # type: ignore[arg-type]
    assert isinstance(result, backup_service.BackupResult)
    return result


def set_second(engine: Engine, folder: Path, **kw: object) -> None:
    backup_store.save_settings(engine, HEAD, BackupSettings(second_folder=str(folder),
                                                            **kw))  # type: ignore[arg-type]


def test_a_backup_is_verified_private_named_and_listed(paths: AppPaths,
                                                      engine: Engine) -> None:
    pupils = h.school_with_year(engine)
    h.mark(engine, pupils, h.FIRST_DAY, "AM", "/")
    made = backup(paths, engine).path
    assert made is not None
    assert made.parent == paths.backup_dir
    assert made.name == f"attendance-20261201-093000-v{backup_service.__version__}.sqlite3"
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.backup_dir.stat().st_mode) == 0o700
    assert backup_service.verify_database(made).ok
    # A self-contained file: no -wal beside it is needed.
    conn = sqlite3.connect(made)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT count(*) FROM mark").fetchone()[0] == len(pupils)
    conn.close()
    [listed] = backup_store.list_backups(paths, backup_store.load_settings(engine))
    assert (listed.path, listed.kind, listed.verified, listed.where) == \
        (made, rules.REGULAR, True, backup_store.DATA_FOLDER)
    assert listed.size_bytes == made.stat().st_size
    assert not [p for p in paths.backup_dir.iterdir() if p.name.startswith(".partial")]


def test_verify_finds_damage_foreign_keys_and_strangers(tmp_path: Path, paths: AppPaths,
                                                       engine: Engine) -> None:
    h.school_with_year(engine)
    made = backup(paths, engine).path
    assert made is not None
    # Damage: overwrite pages in the middle of the file.
    broken = tmp_path / "broken.sqlite3"
    data = bytearray(made.read_bytes())
    data[8192:8192 + 9000] = b"\x5a" * 9000
    broken.write_bytes(bytes(data))
    assert not backup_service.verify_database(broken).ok
    # A reference to a pupil that is not there.
    orphan = tmp_path / "orphan.sqlite3"
    orphan.write_bytes(made.read_bytes())
    conn = sqlite3.connect(orphan)
    conn.execute("INSERT INTO mark (pupil_id, date, session, code, source, entered_by, "
                 "entered_role, entered_at, comment) VALUES (9999, '2025-09-02', 'AM', '/', "
                 "'register', '', '', '2025-09-02 09:00:00', '')")
    conn.commit()
    conn.close()
    result = backup_service.verify_database(orphan)
    assert not result.ok
    assert "foreign keys" in result.summary()
    assert "mark" in result.summary()
    # A newer app's revision, another program's database, not a database at all.
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(made.read_bytes())
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '0999_future'")
    conn.commit()
    conn.close()
    assert "unknown to this app" in backup_service.verify_database(newer).summary()
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert "not an Attendance Desktop database" in \
        backup_service.verify_database(other).summary()
    text = tmp_path / "notes.sqlite3"
    text.write_text("hello")
    assert backup_service.verify_database(text).summary() == \
        "notes.sqlite3 is not a SQLite database"
    missing = backup_service.verify_database(tmp_path / "nope.sqlite3")
    assert "cannot read" in missing.summary()


def test_extra_checks_plug_in(paths: AppPaths, engine: Engine,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the tamper-evident chains (integrity_service) will plug in."""
    made = backup(paths, engine).path
    assert made is not None
    monkeypatch.setattr(backup_service, "EXTRA_CHECKS",
                        [lambda p: [f"chain broken in {p.name}"]])
    assert backup_service.verify_database(made).problems == (f"chain broken in {made.name}",)
    with pytest.raises(backup_service.BackupFailed, match="failed its check"):
        backup(paths, engine, when=NOW + dt.timedelta(hours=1))
    assert [b.path for b in backup_store.list_folder(paths.backup_dir, "")] == [made]


def test_second_folder_gets_a_verified_copy_or_a_plain_reason(tmp_path: Path, paths: AppPaths,
                                                              engine: Engine) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    set_second(engine, stick)
    result = backup(paths, engine)
    assert result.second_problem is None
    assert result.second_copy == stick / result.path.name
    assert result.second_copy.read_bytes() == result.path.read_bytes()
    assert stat.S_IMODE(result.second_copy.stat().st_mode) == 0o600
    listed = backup_store.list_backups(paths, backup_store.load_settings(engine))
    assert {(b.where, b.verified) for b in listed} == \
        {(backup_store.DATA_FOLDER, True), (backup_store.SECOND_FOLDER, True)}
    # The stick is pulled out: the backup still counts; the reason is given.
    set_second(engine, tmp_path / "pulled-out")
    later = backup(paths, engine, when=NOW + dt.timedelta(hours=5))
    assert later.path is not None
    assert later.second_copy is None
    assert "is not there" in (later.second_problem or "")
    status = backup_service.status(paths, engine, NOW + dt.timedelta(hours=5))
    assert any("cannot be used" in w for w in status.warnings)


def test_rotation_in_both_folders_keeps_migration_copies(tmp_path: Path, paths: AppPaths,
                                                         engine: Engine) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    set_second(engine, stick, keep_daily=3, keep_weekly=1, keep_monthly=1, keep_special=1,
               special_min_days=10)
    backup_store.make_private_folder(paths.backup_dir)
    migration = paths.backup_dir / "before-migration-0001-20250101-100000.sqlite3"
    migration.write_bytes(b"copied before an upgrade")
    stranger = paths.backup_dir / "my-own-copy.sqlite3"
    stranger.write_bytes(b"left by IT")
    start = dt.datetime(2026, 11, 1, 9, 0)
    made = [backup(paths, engine, when=start + dt.timedelta(days=d)).path for d in range(10)]
    kept = {p.name for p in paths.backup_dir.iterdir()}
    names = {p.name for p in made if p is not None}
    assert names & kept == {made[i].name for i in (7, 8, 9)}  # type: ignore[union-attr]
    assert {migration.name, stranger.name} <= kept  # never rotated away blindly
    assert {p.name for p in stick.iterdir()} & names == {made[i].name  # type: ignore[union-attr]
                                                         for i in (7, 8, 9)}


def test_a_stale_temp_file_is_never_counted_and_cleared_after_a_day(
        paths: AppPaths, engine: Engine) -> None:
    backup_store.make_private_folder(paths.backup_dir)
    half = paths.backup_dir / ".partial-attendance-20261130-100000-v0.1.0.sqlite3"
    half.write_bytes(b"SQLite format 3\x00 half")
    assert backup_store.list_folder(paths.backup_dir, "") == []
    os.utime(half, (NOW.timestamp() - 2 * 86400,) * 2)
    backup(paths, engine)
    assert not half.exists()


def test_auto_backup_only_when_changed_and_due(paths: AppPaths, engine: Engine) -> None:
    pupils = h.school_with_year(engine)

    def auto(when: dt.datetime) -> Path | None:
        r = backup_service.run_job(backup_service.auto_backup(paths, engine,
                                                              clock=lambda: when))
        assert isinstance(r, backup_service.BackupResult)
        return r.path

    first = auto(NOW)
    assert first is not None  # none yet
    assert auto(NOW + dt.timedelta(hours=5)) is None  # nothing changed
    h.mark(engine, pupils, h.FIRST_DAY, "AM", "/")
    assert auto(NOW + dt.timedelta(hours=1)) is None  # changed, but not 4 hours yet
    assert auto(NOW + dt.timedelta(hours=4)) is not None
    status = backup_service.status(paths, engine, NOW + dt.timedelta(days=3))
    assert not status.changed
    assert not any("days old" in w for w in status.warnings)
    h.mark(engine, pupils, h.FIRST_DAY, "PM", "\\")
    status = backup_service.status(paths, engine, NOW + dt.timedelta(days=3))
    assert status.changed
    assert any("days old" in w for w in status.warnings)


def test_settings_are_the_heads_and_recorded(engine: Engine) -> None:
    with pytest.raises(PermissionDenied):
        backup_store.save_settings(engine, OFFICE, BackupSettings(interval_hours=2))
    with pytest.raises(ServiceError, match="interval hours"):
        backup_store.save_settings(engine, HEAD, BackupSettings(interval_hours=0))
    changed = backup_store.save_settings(engine, HEAD, BackupSettings(interval_hours=2,
                                                                      keep_daily=20))
    assert sorted(changed) == ["interval_hours", "keep_daily"]
    assert backup_store.load_settings(engine).interval_hours == 2
    with session_scope(engine) as s:
        rows = s.exec(select(SettingChange).where(SettingChange.area == "backups")).all()
        assert {(r.key, r.old_value, r.new_value, r.staff_name) for r in rows} == {
            ("interval_hours", "4", "2", HEAD.name), ("keep_daily", "14", "20", HEAD.name)}
    # A policy preset does not reset the backup settings.
    from attendance_desktop.services.school import policy_service
    policy_service.apply_preset(engine, HEAD, "vale")
    assert backup_store.load_settings(engine).keep_daily == 20


def test_restore_into_the_live_file_reaches_an_open_connection(paths: AppPaths,
                                                              engine: Engine) -> None:
    pupils = h.school_with_year(engine)
    h.mark(engine, pupils, h.FIRST_DAY, "AM", "/")
    before = h.register(engine)
    made = backup(paths, engine).path
    h.mark(engine, pupils, h.FIRST_DAY, "PM", "\\")
    assert paths.sqlite_file is not None
    watcher = sqlite3.connect(paths.sqlite_file)  # another program's open connection
    assert watcher.execute("SELECT count(*) FROM mark").fetchone()[0] == 2 * len(pupils)
    with pytest.raises(PermissionDenied):
        backup_service.run_job(restore_service.restore(paths, engine, made, OFFICE))
    result = backup_service.run_job(restore_service.restore(
        paths, engine, made, HEAD, clock=lambda: NOW + dt.timedelta(hours=1)))
    assert isinstance(result, restore_service.RestoreResult)
    assert h.register(engine) == before
    assert watcher.execute("SELECT count(*) FROM mark").fetchone()[0] == len(pupils)
    watcher.close()
    kept = result.kept_copy
    assert kept.name.startswith("before-restore-")
    assert backup_service.verify_database(kept).ok
    conn = sqlite3.connect(kept)
    assert conn.execute("SELECT count(*) FROM mark").fetchone()[0] == 2 * len(pupils)
    conn.close()


def test_restore_refuses_a_bad_file_and_changes_nothing(tmp_path: Path, paths: AppPaths,
                                                       engine: Engine) -> None:
    pupils = h.school_with_year(engine)
    h.mark(engine, pupils, h.FIRST_DAY, "AM", "/")
    before = h.register(engine)
    bad = tmp_path / "attendance-20261130-100000-v0.1.0.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    with pytest.raises(restore_service.BadBackup, match="cannot be restored"):
        backup_service.run_job(restore_service.restore(paths, engine, bad, HEAD))
    assert h.register(engine) == before
    assert not paths.backup_dir.exists() or not any(paths.backup_dir.glob("before-restore*"))


def test_restore_of_an_older_revision_is_upgraded(tmp_path: Path, paths: AppPaths,
                                                  engine: Engine) -> None:
    """A copy at the previous release's revision restores and is brought up to the head."""
    from attendance_desktop.config.paths import sqlite_url
    from attendance_desktop.db import migrate
    from tests.db.migration_tools import OLD_REVISION, old_database

    old_file = tmp_path / "attendance-20250101-100000-v0.0.9.sqlite3"
    old_database(sqlite_url(old_file), tmp_path)
    checked = backup_service.verify_database(old_file)
    assert checked.ok
    assert checked.revision == OLD_REVISION
    result = backup_service.run_job(restore_service.restore(paths, engine, old_file, HEAD))
    assert isinstance(result, restore_service.RestoreResult)
    assert result.upgraded_from == OLD_REVISION
    assert migrate.current_revision(engine) == migrate.head_revision()
