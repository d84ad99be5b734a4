"""attendance-desktop backup / restore / verify-backup, through the real entry point and,
for the terminal questions, as a real process with and without a terminal."""

from __future__ import annotations

import os
import pty
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from attendance_desktop.__main__ import main
from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.services.database import open_database
from tests.services import backup_helpers as h

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def env_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    fallback = tmp_path / "env-default"
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(fallback))
    monkeypatch.delenv("ATTENDANCE_DB_URL", raising=False)
    return fallback


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A data folder with a school and one session of marks."""
    data = tmp_path / "data"
    engine = open_database(resolve_paths(data, environ={}))
    pupils = h.school_with_year(engine)
    h.mark(engine, pupils, h.FIRST_DAY, "AM", "/")
    engine.dispose()
    return data


def marks(data: Path) -> int:
    conn = sqlite3.connect(data / "attendance.sqlite3")
    try:
        return int(conn.execute("SELECT count(*) FROM mark").fetchone()[0])
    finally:
        conn.close()


def test_backup_prints_the_verified_file(capsys: pytest.CaptureFixture[str],
                                         school: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, "backup", "--data-dir", school)
    assert code == 0
    made = Path(out.strip())
    assert made.parent == school / "backups"
    assert made.is_file()
    assert err == ""
    code, out, err = run(capsys, "verify-backup", made, "--data-dir", school)
    assert (code, err) == (0, "")
    assert out.startswith("OK: ")
    code, out, _ = run(capsys, "backup", "--to", tmp_path / "elsewhere", "--data-dir", school)
    assert code == 0
    assert Path(out.strip()).parent == tmp_path / "elsewhere"


def test_verify_backup_prints_the_problems(capsys: pytest.CaptureFixture[str],
                                           school: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("not a database")
    code, out, err = run(capsys, "verify-backup", bad, "--data-dir", school)
    assert code == 1
    assert out.strip() == f"{bad}: bad.sqlite3 is not a SQLite database"
    assert err == ""


def test_restore_refuses_a_bad_file_in_one_line(capsys: pytest.CaptureFixture[str],
                                                school: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x01" * 3000)
    code, out, err = run(capsys, "restore", bad, "--yes", "--data-dir", school)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("attendance-desktop: ")
    assert "cannot be restored" in err
    assert marks(school) == 7


def test_backup_change_restore_with_yes(capsys: pytest.CaptureFixture[str],
                                        school: Path) -> None:
    code, out, _ = run(capsys, "backup", "--data-dir", school)
    made = Path(out.strip())
    engine = open_database(resolve_paths(school, environ={}))
    before = h.register(engine)
    with session_scope(engine) as s:
        ids = [int(p.id) for p in s.exec(select(Pupil)).all() if p.id is not None]
    h.mark(engine, ids, h.FIRST_DAY, "PM", "\\")
    assert marks(school) == 14
    code, out, err = run(capsys, "restore", made, "--yes", "--data-dir", school)
    assert (code, err) == (0, "")
    assert out.startswith(f"Restored {made}; the database as it was is in ")
    assert h.register(engine) == before
    engine.dispose()
    kept = Path(out.strip().rsplit(" ", 1)[1])
    assert kept.name.startswith("before-restore-")
    assert kept.parent == school / "backups"


def cli_process(*argv: str | Path, stdin: int | None = None,
                input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("ATTENDANCE_DATA_DIR", None)
    return subprocess.run([sys.executable, "-m", "attendance_desktop", *map(str, argv)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
                          stdin=stdin, input=input_text, check=False)


def _backup(capsys: pytest.CaptureFixture[str], school: Path) -> Path:
    """The copy to restore, made in this process (only the restore is about a process)."""
    code, out, err = run(capsys, "backup", "--data-dir", school)
    assert code == 0, err
    return Path(out.strip())


def test_restore_without_yes_refuses_when_not_on_a_terminal(
        capsys: pytest.CaptureFixture[str], school: Path) -> None:
    made = _backup(capsys, school)
    done = cli_process("restore", made, "--data-dir", school, input_text="yes\n")
    assert done.returncode == 2
    assert done.stderr == ("attendance-desktop: restore replaces the register: confirm on a "
                           "terminal, or add --yes\n")
    assert not list((school / "backups").glob("before-restore-*"))


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("answer", "code"), [("no", 1), ("yes", 0)])
def test_restore_asks_on_a_terminal(capsys: pytest.CaptureFixture[str], school: Path,
                                    answer: str, code: int) -> None:
    made = _backup(capsys, school)
    leader, follower = pty.openpty()
    try:
        os.write(leader, f"{answer}\n".encode())
        done = cli_process("restore", made, "--data-dir", school, stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == code, done.stderr
    assert "A verified copy of the current database is kept first" in done.stdout
    assert "as it was on" in done.stdout
    kept = list((school / "backups").glob("before-restore-*"))
    assert len(kept) == (1 if answer == "yes" else 0)
