"""Where the data lives: Windows rules (PureWindowsPath, explicit environments), the machine
config file, portable mode, precedence, private permissions on real folders."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from attendance_desktop.config import locations as loc
from attendance_desktop.config.paths import DB_FILE, resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.errors import ServiceError

REPO = Path(__file__).resolve().parents[2]
ZOE_LOCAL = "C:\\Users\\Zoë O'Neill\\AppData\\Local"
WIN_ENV = {"ProgramData": "C:\\ProgramData", "LOCALAPPDATA": ZOE_LOCAL,
           "USERPROFILE": "C:\\Users\\Zoë O'Neill"}
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture(autouse=True)
def _keep_umask() -> Iterator[None]:
    """prepare_data_dir sets the process umask (on purpose); give other tests theirs back."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def config(tmp_path: Path, text: str | bytes, name: str = "machine.ini") -> dict[str, str]:
    """A real config file; the environment that points the app at it."""
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return {loc.CONFIG_ENV: str(path)}


# --- Windows rules -------------------------------------------------------------------


def test_windows_machine_folder_is_under_programdata() -> None:
    assert loc.machine_data_dir("win32", WIN_ENV) == PureWindowsPath(
        r"C:\ProgramData\AttendanceDesktop")
    assert loc.machine_data_dir("win32", {"ALLUSERSPROFILE": r"D:\ProgramData"}) == \
        PureWindowsPath(r"D:\ProgramData\AttendanceDesktop")
    assert loc.machine_data_dir("win32", {}) == PureWindowsPath(
        r"C:\ProgramData\AttendanceDesktop")
    assert loc.machine_config_path("win32", WIN_ENV) == PureWindowsPath(
        r"C:\ProgramData\AttendanceDesktop\attendance-desktop.ini")


def test_windows_old_per_user_folder_is_the_first_release_one() -> None:
    old = loc.legacy_data_dir("win32", WIN_ENV)
    assert isinstance(old, PureWindowsPath)
    assert old == PureWindowsPath(ZOE_LOCAL) / "AttendanceDesktop" / "AttendanceDesktop"
    assert str(old) == ("C:\\Users\\Zoë O'Neill\\AppData\\Local\\AttendanceDesktop"
                        "\\AttendanceDesktop")
    no_local = {"USERPROFILE": "C:\\Users\\Zoë O'Neill"}
    assert loc.legacy_data_dir("win32", no_local) == old


def test_windows_default_is_the_machine_folder_not_the_account(tmp_path: Path) -> None:
    where = loc.default_location(WIN_ENV, system="win32", app_dir=tmp_path)
    assert where.data_dir == PureWindowsPath(r"C:\ProgramData\AttendanceDesktop")
    assert where.db_url is None
    assert where.note is None
    assert "Zoë" not in str(where.data_dir)


@pytest.mark.parametrize(("value", "expected"), [
    (r"\\server\share\Attendance", r"\\server\share\Attendance"),
    (r"D:\Zoë's school #1\100% & more", r"D:\Zoë's school #1\100% & more"),
    (r'"D:\School Data"', r"D:\School Data"),
])
def test_windows_config_points_every_account_elsewhere(tmp_path: Path, value: str,
                                                        expected: str) -> None:
    env = WIN_ENV | config(tmp_path, f"[attendance-desktop]\ndata_dir = {value}\n")
    where = loc.default_location(env, system="win32", app_dir=tmp_path)
    assert where.data_dir == PureWindowsPath(expected)
    assert where.source.startswith("machine config file")


@pytest.mark.parametrize("value", [r"Attendance", r"\Attendance", r"D:Attendance"])
def test_windows_config_needs_a_full_path(tmp_path: Path, value: str) -> None:
    env = WIN_ENV | config(tmp_path, f"; set by IT\n[attendance-desktop]\ndata_dir = {value}\n")
    with pytest.raises(loc.LocationConfigError) as err:
        loc.default_location(env, system="win32", app_dir=tmp_path)
    message = str(err.value)
    assert message == (f"{tmp_path / 'machine.ini'}, line 3, key 'data_dir': must be a full "
                       f"path, like D:\\Attendance or \\\\server\\share\\Attendance")


def test_posix_and_mac_folders() -> None:
    assert loc.machine_data_dir("linux", {}) == PurePosixPath("/var/lib/attendance-desktop")
    assert loc.machine_config_path("linux", {}) == PurePosixPath(
        "/etc/attendance-desktop/attendance-desktop.ini")
    assert loc.machine_data_dir("darwin", {}) == PurePosixPath(
        "/Library/Application Support/AttendanceDesktop")
    assert loc.legacy_data_dir("linux", {"HOME": "/home/zoë"}) == PurePosixPath(
        "/home/zoë/.local/share/AttendanceDesktop")
    assert loc.legacy_data_dir("linux", {"HOME": "/home/z", "XDG_DATA_HOME": "/d"}) == \
        PurePosixPath("/d/AttendanceDesktop")
    assert loc.legacy_data_dir("darwin", {"HOME": "/Users/z"}) == PurePosixPath(
        "/Users/z/Library/Application Support/AttendanceDesktop")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux rule")
def test_old_folder_rule_matches_platformdirs_here(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Path(loc.legacy_data_dir()) == tmp_path / "xdg" / "AttendanceDesktop"
    assert loc.legacy_data_dir("linux", dict(os.environ)) == loc.legacy_data_dir()


def test_db_file_name_is_the_same_in_both_modules() -> None:
    assert loc.DB_FILE == DB_FILE


# --- POSIX machine folder and its fallback --------------------------------------------


def test_posix_uses_the_machine_folder_when_it_exists(tmp_path: Path) -> None:
    shared = tmp_path / "var-lib"
    shared.mkdir()
    where = loc.default_location({"HOME": "/home/z"}, system="linux", app_dir=tmp_path,
                               machine_dir=shared)
    assert where.data_dir == shared
    assert where.note is None


def test_posix_without_the_machine_folder_uses_the_account_folder_and_says_so(
        tmp_path: Path) -> None:
    missing = tmp_path / "var-lib"
    where = loc.default_location({"HOME": "/home/z"}, system="linux", app_dir=tmp_path,
                               machine_dir=missing)
    assert where.data_dir == PurePosixPath("/home/z/.local/share/AttendanceDesktop")
    assert where.note is not None
    assert str(missing) in where.note
    assert "does not exist" in where.note


# --- the machine config file ----------------------------------------------------------


def read(tmp_path: Path, text: str | bytes, system: str = "linux") -> loc.MachineConfig:
    env = config(tmp_path, text)
    found = loc.machine_config(env, system=system)
    assert found is not None
    return found


def test_notepad_encodings_and_no_section_header(tmp_path: Path) -> None:
    body = "data_dir = /srv/Zoë's school\r\n"
    assert read(tmp_path, body).data_dir == PurePosixPath("/srv/Zoë's school")
    assert read(tmp_path, b"\xef\xbb\xbf" + body.encode()).data_dir == \
        PurePosixPath("/srv/Zoë's school")
    assert read(tmp_path, body.encode("utf-16")).data_dir == PurePosixPath("/srv/Zoë's school")
    sectioned = "# IT, 2026\n[attendance-desktop]\ndata_dir=/srv/100% #1\n"
    assert read(tmp_path, sectioned).data_dir == PurePosixPath("/srv/100% #1")


def test_a_postgresql_url_with_awkward_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://attendance:p%40ss%25w0rd@db.school.local:5432/school"
    found = read(tmp_path, f"[attendance-desktop]\ndb_url = {url}\n")
    assert found.db_url == url
    assert found.data_dir is None


@pytest.mark.parametrize(("text", "line", "says"), [
    ("[attendance-desktop]\n\ndatadir = /srv/x\n", "line 3, key 'datadir'",
     "unknown setting"),
    ("data_dir = /srv/x\ndata_dir = /srv/y\n", "line 2, key 'data_dir'", "given twice"),
    ("data_dir = /srv/x\njust some words\n", "line 2", "cannot read 'just some words'"),
    ("[attendance]\ndata_dir = /srv/x\n", "line 1", "unknown section [attendance]"),
    ("[attendance-desktop]\ndb_url = not a url\n", "line 2, key 'db_url'",
     "is not a database URL"),
    ("# empty\ndata_dir =\n", "line 2, key 'data_dir'", "is empty"),
    ("data_dir = /srv/x\n  /more\n", "line 1, key 'data_dir'", "next line"),
    ("data_dir = srv/x\n", "line 1, key 'data_dir'", "must be a full path, like /srv/"),
])
def test_a_bad_config_file_is_one_line_naming_file_line_and_key(
        tmp_path: Path, text: str, line: str, says: str) -> None:
    with pytest.raises(ServiceError) as err:
        read(tmp_path, text)
    message = str(err.value)
    assert isinstance(err.value, loc.LocationConfigError)
    assert message.startswith(f"{tmp_path / 'machine.ini'}, {line}"), message
    assert says in message
    assert "\n" not in message


def test_config_saved_in_the_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(loc.LocationConfigError, match=r"line 2: not UTF-8 text"):
        read(tmp_path, "# ok\ndata_dir = /srv/Zoë\n".encode("cp1252"))


def test_config_that_is_a_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    with pytest.raises(loc.LocationConfigError, match="is a folder"):
        loc.machine_config({loc.CONFIG_ENV: str(tmp_path / "cfg")}, system="linux")


def test_no_config_file_and_a_config_that_says_nothing(tmp_path: Path) -> None:
    assert loc.machine_config({loc.CONFIG_ENV: str(tmp_path / "none.ini")}) is None
    shared = tmp_path / "shared"
    shared.mkdir()
    env = config(tmp_path, "# nothing set yet\n")
    where = loc.default_location(env, system="linux", app_dir=tmp_path, machine_dir=shared)
    assert where.data_dir == shared


# --- precedence ---------------------------------------------------------------------


def test_precedence_flags_then_environment_then_config(tmp_path: Path) -> None:
    cfg = config(tmp_path, f"data_dir = {tmp_path / 'from-config'}\n")
    assert resolve_paths(environ=cfg).data_dir == tmp_path / "from-config"
    env = cfg | {"ATTENDANCE_DATA_DIR": str(tmp_path / "from-env")}
    assert resolve_paths(environ=env).data_dir == tmp_path / "from-env"
    assert resolve_paths(tmp_path / "flag", environ=env).data_dir == tmp_path / "flag"
    url = "postgresql+psycopg://u@h/school"
    pg = config(tmp_path, f"[attendance-desktop]\ndb_url = {url}\ndata_dir = {tmp_path}\n",
                name="pg.ini")
    assert resolve_paths(environ=pg).db_url == url
    assert resolve_paths(tmp_path / "flag", environ=pg).db_url.startswith("sqlite:///")
    env_url = "postgresql+psycopg://other@h/school"
    assert resolve_paths(environ=pg | {"ATTENDANCE_DB_URL": env_url}).db_url == env_url


def test_portable_mode_beats_the_machine_config(tmp_path: Path) -> None:
    stick = tmp_path / "E-drive" / "Attendance Desktop"
    stick.mkdir(parents=True)
    (stick / loc.PORTABLE_NAME).write_text("# data beside the program\n", encoding="utf-8")
    env = config(tmp_path, f"data_dir = {tmp_path / 'from-config'}\n")
    where = loc.default_location(env, system="linux", app_dir=stick)
    assert where.data_dir == stick / "data"
    assert "portable" in where.source
    (stick / loc.PORTABLE_NAME).write_text("data_dir = School's data\n", encoding="utf-8")
    assert loc.default_location(env, app_dir=stick).data_dir == stick / "School's data"


def test_portable_mode_in_a_real_process(tmp_path: Path) -> None:
    # A copy of the program with portable.ini beside its package, run for real.
    app = tmp_path / "USB stick" / "app"
    shutil.copytree(REPO / "attendance_desktop", app / "attendance_desktop",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (app / loc.PORTABLE_NAME).write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTENDANCE_")}
    env |= {"PYTHONPATH": str(app), loc.CONFIG_ENV: str(tmp_path / "no-such.ini")}
    done = subprocess.run([sys.executable, "-m", "attendance_desktop", "stats"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert (app / "data" / DB_FILE).is_file()
    if os.name == "posix":
        assert mode(app / "data") == 0o700
        assert mode(app / "data" / DB_FILE) == 0o600


# --- private permissions (real folders) ------------------------------------------------


@posix_only
def test_a_new_data_folder_and_its_files_are_private(tmp_path: Path) -> None:
    os.umask(0o022)  # a typical desktop umask: files would be readable by everyone
    data = tmp_path / "new" / "data"
    paths = resolve_paths(data, environ={})
    engine = open_database(paths)
    try:
        # A write while another connection stays open (as while the app runs): -wal and
        # -shm exist now (SQLite removes them when the last connection closes).
        with engine.connect() as held:
            held.exec_driver_sql("SELECT 1").all()
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE school SET name = 'Zoë''s school'")
            assert (data / f"{DB_FILE}-wal").exists()
            assert (data / f"{DB_FILE}-shm").exists()
            assert mode(data) == 0o700
            for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm"):
                assert mode(data / name) == 0o600, name
        # Anything else the app writes there later (backups, logs, letters) is private too.
        paths.backup_dir.mkdir()
        (paths.backup_dir / "before-migration.sqlite3").write_bytes(b"x")
        assert mode(paths.backup_dir) == 0o700
        assert mode(paths.backup_dir / "before-migration.sqlite3") == 0o600
    finally:
        engine.dispose()


@posix_only
def test_an_old_readable_database_is_made_private_at_start(tmp_path: Path) -> None:
    os.umask(0o022)
    data = tmp_path / "old"
    data.mkdir()
    open_database(resolve_paths(data, environ={})).dispose()
    (data / "backups").mkdir(exist_ok=True)
    (data / "backups" / "copy.sqlite3").write_bytes(b"x")
    os.chmod(data / DB_FILE, 0o644)
    os.chmod(data / "backups" / "copy.sqlite3", 0o664)
    os.chmod(data, 0o755)
    open_database(resolve_paths(data, environ={})).dispose()
    assert mode(data / DB_FILE) == 0o600
    assert mode(data / "backups" / "copy.sqlite3") == 0o600
    assert mode(data) == 0o755  # a folder that already existed is IT's choice


@posix_only
def test_a_group_shared_machine_folder_keeps_files_usable_by_the_group(
        tmp_path: Path) -> None:
    shared = tmp_path / "var-lib"
    shared.mkdir()
    os.chmod(shared, 0o2770)  # as IT sets up /var/lib/attendance-desktop for a group
    engine = open_database(resolve_paths(shared, environ={}))
    try:
        with engine.connect() as held:  # the app running: the -wal file stays
            held.exec_driver_sql("SELECT 1").all()
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE school SET name = 'Shared'")
            for name in (DB_FILE, f"{DB_FILE}-wal"):
                assert mode(shared / name) == 0o660, name
        (shared / "backups").mkdir()
        assert mode(shared / "backups") & 0o777 == 0o770
    finally:
        engine.dispose()


def test_windows_only_creates_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ProgramData" / "AttendanceDesktop"
    loc.prepare_data_dir(folder, system="win32")
    assert folder.is_dir()
