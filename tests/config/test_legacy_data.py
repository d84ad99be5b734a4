"""Data left in the first release's per-user folder: found, moved safely, never lost.

Real SQLite files in real folders, made by the app's own open_database."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from attendance_desktop.__main__ import main
from attendance_desktop.config import locations as loc
from attendance_desktop.config.paths import DB_FILE, resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil, School, Staff
from attendance_desktop.services.database import open_database

NOW = dt.datetime(2026, 1, 12, 8, 30)


@pytest.fixture(autouse=True)
def _keep_umask() -> Iterator[None]:
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def add_people(engine: Engine, pupils: int, staff: int = 0, tag: str = "") -> None:
    with session_scope(engine) as s:
        for i in range(pupils):
            s.add(Pupil(legal_forename=f"Pupil{tag}{i}", legal_surname="O'Neill",
                        dob=dt.date(2018, 5, 1), year_group="2",
                        admission_date=dt.date(2022, 9, 5)))
        for i in range(staff):
            s.add(Staff(name=f"Staff{tag}{i}", role="office"))


_template: list[Path] = []


@pytest.fixture(autouse=True)
def _new_database_file(_template_database: Path) -> Iterator[None]:
    """make_school starts a new database from the run's copy of what open_database makes
    (tests/conftest.py) instead of running every migration again."""
    _template[:] = [_template_database]
    yield
    _template.clear()


def make_school(folder: Path, pupils: int, staff: int = 0) -> None:
    if _template and not (folder / DB_FILE).exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(_template[0], folder / DB_FILE)
    engine = open_database(resolve_paths(folder, environ={}))
    add_people(engine, pupils, staff)
    engine.dispose()


def counts(folder: Path) -> tuple[int, int]:
    engine = open_database(resolve_paths(folder, environ={}))
    try:
        with session_scope(engine) as s:
            return (s.exec(select(func.count()).select_from(Pupil)).one(),
                    s.exec(select(func.count()).select_from(Staff)).one())
    finally:
        engine.dispose()


@pytest.fixture
def old(tmp_path: Path) -> Path:
    """The first release's folder for a member of staff, with a school in it."""
    # Plain letters: names with ' % or ë are the paths helper's tests (issue 11, point 1).
    folder = tmp_path / "home" / "Zoe ONeill" / ".local" / "share" / "AttendanceDesktop"
    make_school(folder, pupils=7, staff=2)
    return folder


# --- finding --------------------------------------------------------------------------


def test_found_with_size_date_and_pupils(old: Path, tmp_path: Path) -> None:
    found = loc.find_legacy_data(tmp_path / "shared", legacy_dir=old)
    assert found is not None
    assert found.db_file == old / DB_FILE
    assert (found.pupils, found.staff) == (7, 2)
    assert found.holds_pupils
    assert found.worth_offering
    assert found.size_bytes >= (old / DB_FILE).stat().st_size > 0
    assert abs((dt.datetime.now() - found.modified).total_seconds()) < 600
    assert "7 pupils, 2 staff" in found.describe()


def test_not_found_when_absent_the_same_folder_or_marked(old: Path, tmp_path: Path) -> None:
    assert loc.find_legacy_data(tmp_path / "shared", legacy_dir=tmp_path / "none") is None
    assert loc.find_legacy_data(old, legacy_dir=old) is None  # it IS the data folder
    loc.dismiss_legacy_data(old, tmp_path / "shared", NOW)  # "Never ask"
    assert loc.find_legacy_data(tmp_path / "shared", legacy_dir=old) is None
    marker = (old / loc.MARKER_NAME).read_text(encoding="utf-8")
    assert "chose not to move" in marker
    assert str(tmp_path / "shared") in marker
    assert counts(old) == (7, 2)  # untouched


def test_an_empty_old_database_is_not_worth_offering(tmp_path: Path) -> None:
    make_school(tmp_path / "old", pupils=0)
    found = loc.find_legacy_data(tmp_path / "new", legacy_dir=tmp_path / "old")
    assert found is not None
    assert not found.worth_offering


def test_an_old_file_that_is_not_a_database_is_reported(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / DB_FILE).write_bytes(b"this is not SQLite, it is a letter" * 200)
    found = loc.find_legacy_data(tmp_path / "new", legacy_dir=tmp_path / "old")
    assert found is not None
    assert found.pupils is None
    assert found.problem is not None
    assert found.worth_offering  # said out loud, not ignored
    with pytest.raises(loc.LegacyMoveError, match="cannot be read as a database"):
        loc.move_legacy_data(tmp_path / "old", tmp_path / "new", NOW)
    assert not (tmp_path / "new" / DB_FILE).exists()


# --- moving ---------------------------------------------------------------------------


def test_move_into_a_new_shared_folder(old: Path, tmp_path: Path) -> None:
    (old / "letters" / "Autumn").mkdir(parents=True)
    (old / "letters" / "Autumn" / "letter 1.pdf").write_bytes(b"%PDF-1.4 one")
    shared = tmp_path / "ProgramData" / "AttendanceDesktop"
    result = loc.move_legacy_data(old, shared, NOW)
    assert (result.pupils, result.staff) == (7, 2)
    assert result.replaced_copy is None  # nothing was there
    assert result.letters_copied == 1
    assert result.marked
    assert counts(shared) == (7, 2)
    assert (shared / "letters" / "Autumn" / "letter 1.pdf").read_bytes() == b"%PDF-1.4 one"
    # The old folder is left as it was, marked, and not offered again.
    assert counts(old) == (7, 2)
    assert "copied to the shared data folder" in (old / loc.MARKER_NAME).read_text("utf-8")
    assert loc.find_legacy_data(shared, legacy_dir=old) is None
    assert "Moved 7 pupils and 2 staff" in str(result)
    assert not list(shared.glob(".*moving*"))  # the temporary copy is gone


def test_move_replaces_a_new_empty_database_and_keeps_it(old: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    engine = open_database(resolve_paths(shared, environ={}))  # first start made it
    try:
        result = loc.move_legacy_data(old / DB_FILE, shared, NOW)
        # The app's own engine, still open, now reads the moved school.
        with session_scope(engine) as s:
            assert s.exec(select(func.count()).select_from(Pupil)).one() == 7
    finally:
        engine.dispose()
    assert result.replaced_copy == shared / "backups" / "replaced-by-move-20260112-083000.sqlite3"
    with closing(sqlite3.connect(result.replaced_copy)) as kept:
        assert kept.execute("SELECT count(*) FROM school").fetchone() == (1,)
        assert kept.execute("SELECT count(*) FROM pupil").fetchone() == (0,)
    if os.name == "posix":
        for path in (shared / DB_FILE, result.replaced_copy):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_refused_when_the_target_already_has_pupils(old: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    make_school(shared, pupils=3)
    before = (shared / DB_FILE).read_bytes()
    with pytest.raises(loc.LegacyMoveError) as err:
        loc.move_legacy_data(old, shared, NOW)
    message = str(err.value)
    assert message == (f"{shared} already holds a school (3 pupils, 0 staff), so the old data "
                       f"in {old} was not moved; nothing was changed")
    assert (shared / DB_FILE).read_bytes() == before
    assert not (old / loc.MARKER_NAME).exists()
    assert not (shared / "backups").exists() or not list((shared / "backups").iterdir())


def test_refused_when_the_target_has_staff_only(old: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    make_school(shared, pupils=0, staff=1)
    with pytest.raises(loc.LegacyMoveError, match=r"\(0 pupils, 1 staff\)"):
        loc.move_legacy_data(old, shared, NOW)


def test_move_takes_changes_still_in_the_wal_of_an_open_connection(
        old: Path, tmp_path: Path) -> None:
    # Another program (an old copy of the app) has the file open; its last changes are
    # only in the -wal file, never checkpointed into the database file.
    writer = sqlite3.connect(old / DB_FILE)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("UPDATE school SET name = ?", ("St Zoë's C of E Primary",))
        writer.execute(
            "INSERT INTO staff (name, role, pin_hash, active, failed_attempts, created_at) "
            "VALUES ('Late Addition', 'office', '', 1, 0, '2026-01-12 08:00:00')")
        writer.commit()
        assert (old / f"{DB_FILE}-wal").stat().st_size > 0
        # Proof that the change is in the WAL only: the database file alone lacks it.
        alone = tmp_path / "alone"
        alone.mkdir()
        shutil.copyfile(old / DB_FILE, alone / DB_FILE)
        with closing(sqlite3.connect(alone / DB_FILE)) as c:
            assert c.execute("SELECT count(*) FROM staff").fetchone() == (2,)

        shared = tmp_path / "shared"
        result = loc.move_legacy_data(old, shared, NOW)
        assert result.staff == 3
    finally:
        writer.close()
    assert counts(shared) == (7, 3)
    engine = open_database(resolve_paths(shared, environ={}))
    try:
        with session_scope(engine) as s:
            assert s.exec(select(School)).one().name == "St Zoë's C of E Primary"
    finally:
        engine.dispose()


def test_no_database_in_the_source(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(loc.LegacyMoveError, match=r"there is no attendance\.sqlite3 in it"):
        loc.move_legacy_data(tmp_path / "empty", tmp_path / "shared", NOW)


def test_a_target_that_cannot_be_made_is_one_plain_line(old: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(loc.LegacyMoveError) as err:
        loc.move_legacy_data(old, tmp_path / "a-file" / "shared", NOW)
    assert str(err.value).endswith("the old data was not moved and is unchanged")
    assert "\n" not in str(err.value)
    assert not (old / loc.MARKER_NAME).exists()


def test_source_and_target_the_same(old: Path) -> None:
    with pytest.raises(loc.LegacyMoveError, match="already the data folder in use"):
        loc.move_legacy_data(old, old, NOW)


# --- the command line -----------------------------------------------------------------


@pytest.fixture
def xdg_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real old-folder rule (platformdirs, XDG_DATA_HOME) pointed into tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("ATTENDANCE_DB_URL", raising=False)
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path / "env-default"))
    folder = Path(loc.legacy_data_dir())
    assert folder == tmp_path / "xdg" / "AttendanceDesktop"
    make_school(folder, pupils=4, staff=1)
    return folder


def test_legacy_note_only_while_the_database_is_empty(xdg_old: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    make_school(shared, pupils=0)
    note = loc.legacy_note(shared, shared / DB_FILE)
    assert note is not None
    assert "\n" not in note
    assert str(xdg_old / DB_FILE) in note
    assert "4 pupils" in note
    assert "attendance-desktop move-data" in note
    assert loc.legacy_note(shared, None) is None  # PostgreSQL
    make_school(shared, pupils=1)
    assert loc.legacy_note(shared, shared / DB_FILE) is None


@pytest.mark.skipif(os.name != "posix", reason="XDG old-folder rule")
def test_move_data_command(xdg_old: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    shared = tmp_path / "shared"
    code = main(["move-data", "--data-dir", str(shared)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.startswith("Moved 4 pupils and 1 staff (")
    assert counts(shared) == (4, 1)
    assert (xdg_old / loc.MARKER_NAME).exists()

    # Again: nothing left to offer; with the folder named, refused (the target has a school).
    code = main(["move-data", "--data-dir", str(shared)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1
    assert "no old data to move" in err
    code = main(["move-data", str(xdg_old), "--data-dir", str(shared)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1
    assert "already holds a school (4 pupils, 1 staff)" in err


@pytest.mark.skipif(os.name != "posix", reason="XDG old-folder rule")
def test_move_data_never_ask(xdg_old: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    shared = tmp_path / "shared"
    code = main(["move-data", "--never-ask", "--data-dir", str(shared)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "will not be offered again" in out
    assert loc.find_legacy_data(shared) is None
    assert counts(shared) == (0, 0)
    assert counts(xdg_old) == (4, 1)


@pytest.mark.skipif(os.name != "posix", reason="XDG old-folder rule")
def test_any_command_notes_old_data_while_the_database_is_empty(
        xdg_old: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared = tmp_path / "shared"
    code = main(["stats", "--data-dir", str(shared)])
    _out, err = capsys.readouterr()
    assert code == 0
    assert err.count("\n") == 1
    assert err.startswith("attendance-desktop: note: old data from an earlier version is in")
    assert "move-data" in err
    code = main(["move-data", "--data-dir", str(shared)])
    capsys.readouterr()
    assert code == 0
    code = main(["stats", "--data-dir", str(shared)])  # moved: nothing more to say
    _out, err = capsys.readouterr()
    assert (code, err) == (0, "")
