"""Any folder name works: Windows-looking paths, punctuation that URLs and ini files treat
specially, spaces and accents (all legal folder names on Linux)."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path, PureWindowsPath

import pytest
from sqlalchemy.engine import make_url

from attendance_desktop.__main__ import main
from attendance_desktop.config.paths import (
    DB_FILE,
    PASSWORD_ENV,
    AppPaths,
    parse_db_url,
    resolve_paths,
    sqlite_url,
)
from attendance_desktop.db import migrate
from attendance_desktop.services.errors import BadSetting
from tests.db.migration_tools import OLD_REVISION, cli, in_process, old_database

pytestmark = pytest.mark.slow  # runs first in a parallel run (tests/conftest.py)

NASTY = "x/C:\\Users\\Zoë O'Neill\\d 100%41 #1 & a=b @home; 学校: \"q\""
EACH = ["C:\\Users\\Zoë O'Neill\\AppData", "with space", "it's", "100%", "%41%25",
        "#hash", "a&b=c", "user@host", "semi;colon", "co:lon", "Ünïcødé 学校",
        "%(here)s", "back\\slash", "?query", "..dots.."]


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ATTENDANCE_DATA_DIR", "ATTENDANCE_DB_URL", PASSWORD_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("name", EACH)
def test_stats_opens_a_data_folder_with_any_name(tmp_path: Path, capsys, name: str) -> None:
    data = tmp_path / name
    assert main(["stats", "--data-dir", str(data)]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("Attendance ")
    assert (data / DB_FILE).is_file()
    assert resolve_paths(data, environ={}).sqlite_file == data / DB_FILE


def test_demo_stats_and_export_in_a_nasty_folder(tmp_path: Path, capfd) -> None:
    # The folder name crosses into a real process once (stats: through exec's argv and the
    # child's decoding of it, and back through its stdout); demo and export run main() in
    # this process, which is the same code on the same name without ~1 s of imports each.
    data = tmp_path / NASTY
    made = in_process(capfd, "demo", "--pupils", "12", "--seed", "5", "--data-dir", data)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Demo school created: ")
    assert (data / DB_FILE).is_file()

    stats = cli("stats", "--json", "--data-dir", data)
    assert stats.returncode == 0, stats.stderr
    assert '"pupils"' in stats.stdout

    out = data / "export it's 100%.csv"
    exported = in_process(capfd, "export", "marks", out, "--data-dir", data)
    assert exported.returncode == 0, exported.stderr
    with out.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) > 100


def test_an_old_database_in_a_nasty_folder_is_copied_then_upgraded(tmp_path: Path,
                                                                   capfd) -> None:
    data = tmp_path / NASTY
    data.mkdir(parents=True)
    old_database(resolve_paths(data, environ={}).url, tmp_path)

    done = in_process(capfd, "stats", "--data-dir", data)
    assert done.returncode == 0, done.stderr

    copies = list((data / "backups").glob("*.sqlite3"))
    assert [c.name.startswith(f"before-migration-{OLD_REVISION}-") for c in copies] == [True]
    with sqlite3.connect(copies[0]) as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (OLD_REVISION,)]
        assert old.execute("SELECT name FROM school").fetchall() == [("Old School",)]
    with sqlite3.connect(data / DB_FILE) as new:
        assert new.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrate.head_revision(),)]


@pytest.mark.parametrize("folder", [
    r"C:\Users\Zoë O'Neill\AppData\Local\AttendanceDesktop",
    r"C:\ProgramData\Attendance Desktop (100%)",
    r"\\SCHOOL-NAS\shared #1\attendance@office; a=b",
    r"D:\%APPDATA%\x&y",
])
def test_windows_paths_make_exact_sqlite_urls(folder: str) -> None:
    file = PureWindowsPath(folder) / DB_FILE
    url = sqlite_url(file)
    assert url.database == str(file)
    assert url.database.startswith(folder)
    # Through text and back, as a URL would travel in a config file.
    text = url.render_as_string(hide_password=False)
    assert make_url(text).database == str(file)
    assert parse_db_url(text, {}).database == str(file)
    paths = AppPaths(Path("/data"), url)
    assert str(paths.sqlite_file) == str(file)


def test_db_url_text_and_app_paths_text_still_work(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "it's 100%", environ={})
    assert paths.db_url.startswith("sqlite:///")
    assert AppPaths(paths.data_dir, paths.db_url).sqlite_file == paths.sqlite_file


def test_a_password_can_come_from_the_environment_and_is_never_shown() -> None:
    secret = "p@ss%w:rd/x"
    url = parse_db_url("postgresql+psycopg://head@server/school", {PASSWORD_ENV: secret})
    assert url.password == secret
    shown = AppPaths(Path("/d"), url).db_url
    assert secret not in shown
    assert shown == "postgresql+psycopg://head:***@server/school"
    # A password written (percent-encoded) in the URL wins over the environment.
    own = parse_db_url("postgresql+psycopg://head:a%40b@server/school", {PASSWORD_ENV: "x"})
    assert own.password == "a@b"


def test_a_url_that_is_not_a_url_is_one_clear_line_without_its_text() -> None:
    with pytest.raises(BadSetting) as caught:
        parse_db_url("not a url secret", {})
    assert "secret" not in str(caught.value)
    assert "\n" not in str(caught.value)
