"""Where the school's data lives on this computer: one school per PC, not one per account.

Order (the first that says anything wins; see ``paths.resolve_paths``):

1. ``--db-url`` / ``--data-dir``, then ``$ATTENDANCE_DB_URL`` / ``$ATTENDANCE_DATA_DIR``;
2. portable mode: a file ``portable.ini`` next to the program (the frozen ``.exe``, or the
   folder holding the ``attendance_desktop`` package) puts the data in ``data`` beside it;
3. the machine config file (``attendance-desktop.ini``), where IT sets ``data_dir`` or
   ``db_url`` for every account on the PC;
4. the machine-wide folder: Windows ``%ProgramData%\\AttendanceDesktop``; Linux
   ``/var/lib/attendance-desktop``; macOS ``/Library/Application Support/AttendanceDesktop``.
   On Linux and macOS that folder needs root to create, so when it does not exist the
   account's own folder (where the first release kept its data) is used, with a note.

Also here: keeping the data folder private (POSIX modes; Windows ACLs are the installer's
job and are never touched), and finding and moving data left in the first release's
per-user folder. Everything takes explicit ``environ`` / ``system`` arguments so the
Windows rules are tested on any machine with ``PureWindowsPath``.

The folder names are frozen: changing one would lose every school's data.
"""

from __future__ import annotations

import configparser
import datetime as dt
import logging
import os
import shutil
import sqlite3
import sys
from collections.abc import Mapping
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from attendance_desktop.config.private_files import shared_with_group, strip_access
from attendance_desktop.services.errors import ServiceError

log = logging.getLogger(__name__)

APP_DIR_NAME = "AttendanceDesktop"  # frozen: Windows/macOS folder names, old per-user folder
LINUX_MACHINE_DIR = "/var/lib/attendance-desktop"
LINUX_CONFIG_FILE = "/etc/attendance-desktop/attendance-desktop.ini"
MAC_MACHINE_DIR = "/Library/Application Support/AttendanceDesktop"
CONFIG_NAME = "attendance-desktop.ini"
CONFIG_SECTION = "attendance-desktop"
CONFIG_KEYS = ("data_dir", "db_url")
CONFIG_ENV = "ATTENDANCE_MACHINE_CONFIG"  # another machine config file (tests, IT trials)
PORTABLE_NAME = "portable.ini"
PORTABLE_DATA = "data"
DB_FILE = "attendance.sqlite3"  # the same name as paths.DB_FILE (a test keeps them equal)
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
PRIVATE_SUBFOLDERS = ("backups", "logs")
MARKER_NAME = "NOT-IN-USE.txt"  # left in an old per-user folder once moved or dismissed


class LocationConfigError(ServiceError):
    """The machine config file or portable.ini cannot be used (file, line and key in str())."""


class LegacyMoveError(ServiceError):
    """Old data could not be moved; nothing in either folder was changed or lost."""


# --- which system, which folders ------------------------------------------------------


def _kind(system: str | None) -> str:
    name = sys.platform if system is None else system
    if name.startswith(("win", "cygwin")):
        return "windows"
    return "mac" if name == "darwin" else "posix"


def _pure(kind: str, text: str) -> PurePath:
    return PureWindowsPath(text) if kind == "windows" else PurePosixPath(text)


def _native(system: str | None) -> bool:
    return _kind(system) == _kind(None)


def machine_data_dir(system: str | None = None,
                     environ: Mapping[str, str] | None = None) -> PurePath:
    """The machine-wide data folder every account on the PC shares."""
    kind = _kind(system)
    env = os.environ if environ is None else environ
    if kind == "windows":
        base = env.get("ProgramData") or env.get("PROGRAMDATA") or env.get("ALLUSERSPROFILE")
        return PureWindowsPath(base or r"C:\ProgramData") / APP_DIR_NAME
    return PurePosixPath(MAC_MACHINE_DIR if kind == "mac" else LINUX_MACHINE_DIR)


def machine_config_path(system: str | None = None,
                        environ: Mapping[str, str] | None = None) -> PurePath:
    """The machine config file: $ATTENDANCE_MACHINE_CONFIG, else the system's place for it."""
    kind = _kind(system)
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])  # a real file on this computer, whatever SYSTEM says
    if kind == "posix":
        # Not platformdirs' site_config_dir: it takes the first of $XDG_CONFIG_DIRS, which
        # differs between desktop sessions (e.g. /etc/xdg/xdg-ubuntu), so accounts disagree.
        return PurePosixPath(LINUX_CONFIG_FILE)
    return machine_data_dir(system, env) / CONFIG_NAME


def legacy_data_dir(system: str | None = None,
                    environ: Mapping[str, str] | None = None) -> PurePath:
    """The first release's per-user folder (platformdirs user_data_dir of that scheme)."""
    kind = _kind(system)
    if environ is None and _native(system):
        from platformdirs import PlatformDirs  # the exact old rule on this machine

        return Path(PlatformDirs(APP_DIR_NAME, APP_DIR_NAME).user_data_dir)
    env = os.environ if environ is None else environ
    if kind == "windows":
        local = env.get("LOCALAPPDATA") or str(
            PureWindowsPath(env.get("USERPROFILE", r"C:\Users\Default")) / "AppData" / "Local")
        return PureWindowsPath(local) / APP_DIR_NAME / APP_DIR_NAME
    home = PurePosixPath(env.get("HOME", "/"))
    if kind == "mac":
        return home / "Library" / "Application Support" / APP_DIR_NAME
    xdg = env.get("XDG_DATA_HOME", "")
    base = PurePosixPath(xdg) if xdg.startswith("/") else home / ".local" / "share"
    return base / APP_DIR_NAME


def program_dir() -> Path:
    """Where portable.ini is looked for: beside the frozen program, or the package's folder."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[2]


# --- the machine config file and portable.ini ---------------------------------------


@dataclass(frozen=True, slots=True)
class MachineConfig:
    """What a config file (machine-wide or portable.ini) says; None where it says nothing."""

    file: Path
    data_dir: PurePath | None
    db_url: str | None


def _decode(path: Path, raw: bytes) -> str:
    # Notepad writes UTF-8 with or without a BOM, or "Unicode" (UTF-16 with a BOM).
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LocationConfigError(f"{path}: not readable text ({exc.reason})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise LocationConfigError(
            f"{path}, line {line}: not UTF-8 text; save the file as UTF-8 (Notepad: "
            f"File > Save as > Encoding UTF-8)") from None


def _key_line(lines: list[str], key: str, offset: int) -> int | None:
    """The file line of KEY (configparser keeps no line numbers for values)."""
    for number, text in enumerate(lines, start=1):
        name, sep, _ = text.partition("=")
        if not sep:
            name, sep, _ = text.partition(":")
        if sep and not text[:1].isspace() and name.strip().lower() == key:
            return number - offset
    return None


def read_config(path: Path, *, system: str | None = None,
                relative_to: PurePath | None = None) -> MachineConfig:
    """Parse a config file; relative folders are allowed only with RELATIVE_TO (portable)."""
    kind = _kind(system)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise LocationConfigError(f"{path}: is a folder, not a config file") from None
    except OSError as exc:
        raise LocationConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    text = _decode(path, raw)
    lines = text.splitlines()
    offset = 0
    first = next((s.strip() for s in lines if s.strip() and s.strip()[0] not in "#;"), "")
    if not first.startswith("["):
        # A bare "data_dir = ..." is what IT will type; give it the section it belongs in.
        lines = [f"[{CONFIG_SECTION}]", *lines]
        offset = 1
    parser = configparser.ConfigParser(interpolation=None, strict=True,
                                       comment_prefixes=("#", ";"),
                                       inline_comment_prefixes=None,  # '#' is legal in paths
                                       default_section="\x00no default section")
    try:
        parser.read_string("\n".join(lines), source=str(path))
    except configparser.DuplicateOptionError as exc:
        raise LocationConfigError(
            f"{path}, line {(exc.lineno or 0) - offset}, key '{exc.option}': "
            f"given twice; keep one") from None
    except configparser.DuplicateSectionError as exc:
        raise LocationConfigError(
            f"{path}, line {(exc.lineno or 0) - offset}: section [{exc.section}] given "
            f"twice; keep one") from None
    except configparser.ParsingError as exc:
        number = exc.errors[0][0] if exc.errors else 0
        bad = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        raise LocationConfigError(
            f"{path}, line {number - offset}: cannot read {bad!r}; write "
            f"'key = value', e.g. 'data_dir = D:\\Attendance'") from None
    except configparser.Error as exc:
        message = " ".join(str(exc).split())
        raise LocationConfigError(f"{path}: {message}") from None

    for section in parser.sections():
        if section != CONFIG_SECTION:
            line_no = next((i + 1 - offset for i, s in enumerate(lines)
                            if s.strip() == f"[{section}]"), None)
            raise LocationConfigError(
                f"{path}, line {line_no}: unknown section [{section}]; use "
                f"[{CONFIG_SECTION}]")
    values = dict(parser.items(CONFIG_SECTION)) if parser.has_section(CONFIG_SECTION) else {}

    def where(key: str) -> str:
        number = _key_line(lines, key, offset)
        return f"{path}, line {number}, key '{key}'" if number else f"{path}, key '{key}'"

    for key in values:
        if key not in CONFIG_KEYS:
            raise LocationConfigError(
                f"{where(key)}: unknown setting; the settings are "
                f"{' and '.join(CONFIG_KEYS)}")
    data_dir: PurePath | None = None
    db_url: str | None = None
    for key in CONFIG_KEYS:
        if key not in values:
            continue
        value = values[key].strip()
        if "\n" in value:
            raise LocationConfigError(
                f"{where(key)}: the value goes on to the next line; put it on one line "
                f"(is the next line indented?)")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].strip()  # IT habitually quotes Windows paths
        if not value:
            raise LocationConfigError(f"{where(key)}: is empty; give a value or remove the line")
        if key == "db_url":
            from sqlalchemy.engine import make_url  # only here: SQLAlchemy is slow to import
            from sqlalchemy.exc import ArgumentError

            try:
                make_url(value)
            except (ArgumentError, ValueError):
                raise LocationConfigError(
                    f"{where(key)}: is not a database URL (like "
                    f"postgresql+psycopg://user@server/school)") from None
            db_url = value
            continue
        folder = _pure(kind, value)
        if not folder.is_absolute():
            if relative_to is None:
                example = (r"D:\Attendance or \\server\share\Attendance" if kind == "windows"
                           else "/srv/attendance")
                raise LocationConfigError(
                    f"{where(key)}: must be a full path, like {example}")
            folder = relative_to / folder
        data_dir = folder
    return MachineConfig(path, data_dir, db_url)


def machine_config(environ: Mapping[str, str] | None = None, *,
                   system: str | None = None) -> MachineConfig | None:
    """The machine config file's settings, or None when there is no such file."""
    # Tested on another system, only a real file named by $ATTENDANCE_MACHINE_CONFIG counts.
    path = Path(machine_config_path(system, environ))
    if not os.path.lexists(path):
        return None
    return read_config(path, system=system)


# --- the default location ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """The default data folder (and database URL, if not SQLite there) and why."""

    data_dir: PurePath
    db_url: str | None
    source: str  # for the About box and the log
    note: str | None = None  # something IT should know (e.g. a per-user fallback)


def default_location(environ: Mapping[str, str] | None = None, *, system: str | None = None,
                     app_dir: Path | None = None,
                     machine_dir: Path | None = None) -> Location:
    """Portable mode, else the machine config file, else the machine-wide folder.

    APP_DIR (where portable.ini is looked for) and MACHINE_DIR (the POSIX machine folder)
    are for tests; by default they are program_dir() and the system's machine folder.
    """
    kind = _kind(system)
    env = os.environ if environ is None else environ
    folder = app_dir if app_dir is not None else (program_dir() if _native(system) else None)
    if folder is not None and (folder / PORTABLE_NAME).is_file():
        portable = read_config(folder / PORTABLE_NAME, system=system, relative_to=folder)
        return Location(portable.data_dir or folder / PORTABLE_DATA, portable.db_url,
                        f"portable mode ({folder / PORTABLE_NAME})")
    config = machine_config(env, system=system)
    if config is not None and (config.data_dir or config.db_url):
        data = config.data_dir or (machine_dir or machine_data_dir(system, env))
        return Location(data, config.db_url, f"machine config file {config.file}")
    if kind == "windows":
        # Made by the installer with its ACL; %ProgramData% itself is always there.
        return Location(machine_dir or machine_data_dir(system, env), None,
                        "machine-wide folder")
    shared = machine_dir or machine_data_dir(system, env)
    if os.path.isdir(shared):
        # Used even if this account cannot write to it: a private fallback would split the
        # school in two; the start-up error says which folder to fix instead.
        return Location(shared, None, "machine-wide folder")
    own = legacy_data_dir(system, environ)
    return Location(own, None, "this account's own folder",
                    note=f"{shared} does not exist, so this account's own folder {own} "
                         f"is used; to share one school between accounts, IT creates "
                         f"{shared} (see the README)")


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The default data folder on this computer (no --data-dir or environment override)."""
    return Path(default_location(environ).data_dir)


# --- private permissions -------------------------------------------------------------


def prepare_data_dir(folder: Path, db_file: Path | None = None, *,
                     system: str | None = None) -> None:
    """Create the data folder if needed, and keep what the app writes there private.

    POSIX: new folders 0700 and files 0600 (0770/0660 in a setgid folder IT set up for a
    group of staff accounts), by setting the process umask, because SQLite, the migration
    copy, the log and letters all create files; SQLite gives its -wal/-shm files the
    database file's mode, so a new DB_FILE is created here first (SQLite would make it
    0644 less the umask, too narrow for a group). Existing database files, backups and
    logs lose any access for other accounts. Existing folders are not changed (the
    folder may be one IT chose).
    Windows: only creates the folder, which inherits the ACL the installer set.
    """
    if _kind(system) == "windows":
        folder.mkdir(parents=True, exist_ok=True)
        return
    shared = shared_with_group(folder)
    os.umask(0o007 if shared else 0o077)
    folder.mkdir(parents=True, exist_ok=True, mode=0o2770 if shared else 0o700)
    if db_file is not None and db_file.parent.is_dir():
        with suppress(FileExistsError):  # an empty file is a new SQLite database
            os.close(os.open(db_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o660 if shared else 0o600))
    files = [folder / (DB_FILE + side) for side in ("", *SQLITE_SIDE_FILES)]
    for sub in PRIVATE_SUBFOLDERS:
        if (folder / sub).is_dir():
            files.extend(p for p in (folder / sub).iterdir() if p.is_file())
    for path in files:
        strip_access(path, keep=0o660 if shared else 0o600)


# --- data left in the first release's per-user folder --------------------------------


@dataclass(frozen=True, slots=True)
class LegacyData:
    """A database found in an old per-user folder."""

    folder: Path
    db_file: Path
    size_bytes: int  # database and its -wal file
    modified: dt.datetime  # last change (local time)
    pupils: int | None  # None when the file could not be read as a database
    staff: int | None
    problem: str | None = None  # why it could not be read

    @property
    def holds_pupils(self) -> bool:
        return bool(self.pupils)

    @property
    def worth_offering(self) -> bool:
        """Pupils or staff in it, or unreadable (say so rather than stay quiet)."""
        return self.problem is not None or bool(self.pupils) or bool(self.staff)

    def describe(self) -> str:
        size = f"{self.size_bytes / 1_000_000:.1f} MB"
        when = f"last changed {self.modified:%d %b %Y %H:%M}"
        if self.problem:
            return f"{self.db_file} ({size}, {when}): {self.problem}"
        return (f"{self.db_file} ({self.pupils} pupils, {self.staff} staff, {size}, "
                f"{when})")


def _count(conn: sqlite3.Connection, table: str) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                          (table,)).fetchone()
    if not exists:
        return 0
    return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # fixed names


def database_counts(db_file: Path) -> tuple[int, int]:
    """(pupils, staff) in a SQLite file; (0, 0) when there is no file. Never writes."""
    if not db_file.exists():
        return 0, 0
    try:
        with closing(sqlite3.connect(db_file, timeout=10)) as conn:
            conn.execute("PRAGMA query_only=ON")
            return _count(conn, "pupil"), _count(conn, "staff")
    except sqlite3.Error as exc:
        raise LegacyMoveError(f"{db_file}: cannot be read as a database ({exc})") from None


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def find_legacy_data(current_data_dir: Path, *, legacy_dir: Path | None = None) -> \
        LegacyData | None:
    """The old per-user database, if there is one that is not the current folder and has
    not been moved or dismissed (no NOT-IN-USE.txt beside it)."""
    folder = legacy_dir if legacy_dir is not None else Path(legacy_data_dir())
    db_file = folder / DB_FILE
    if (not db_file.is_file() or (folder / MARKER_NAME).exists()
            or _same_folder(folder, current_data_dir)):
        return None
    try:
        stats = [p.stat() for p in (db_file, Path(f"{db_file}-wal")) if p.exists()]
    except OSError as exc:
        log.warning("old data folder %s cannot be read: %s", folder, exc)
        return None
    size = sum(st.st_size for st in stats)
    modified = dt.datetime.fromtimestamp(max(st.st_mtime for st in stats))
    try:
        pupils, staff = database_counts(db_file)
    except LegacyMoveError as exc:
        return LegacyData(folder, db_file, size, modified, None, None,
                          problem=str(exc).partition(": ")[2] or str(exc))
    return LegacyData(folder, db_file, size, modified, pupils, staff)


def legacy_note(data_dir: Path, db_file: Path | None, *,
                legacy_dir: Path | None = None) -> str | None:
    """One line for the command line when old data exists and this database is empty."""
    if db_file is None:  # PostgreSQL: moving a SQLite file into it is not offered
        return None
    found = find_legacy_data(data_dir, legacy_dir=legacy_dir)
    if found is None or not found.worth_offering:
        return None
    try:
        if database_counts(db_file) != (0, 0):
            return None
    except LegacyMoveError:
        return None
    return (f"old data from an earlier version is in {found.describe()}; this database "
            f"is empty: run 'attendance-desktop move-data' to move it here")


def _write_marker(folder: Path, text: str) -> bool:
    try:
        (folder / MARKER_NAME).write_text(text, encoding="utf-8")
        return True
    except OSError as exc:
        log.warning("could not leave %s in the old folder: %s", MARKER_NAME, exc)
        return False


def dismiss_legacy_data(folder: Path, current_data_dir: Path,
                        now: dt.datetime | None = None) -> None:
    """"Never ask": leave the old data as it is, marked so it is not offered again."""
    when = now or dt.datetime.now()
    if not _write_marker(folder, (
            f"Attendance Desktop no longer uses this folder.\n"
            f"On {when:%d %B %Y at %H:%M} staff chose not to move the data here to the\n"
            f"shared data folder {current_data_dir}.\n"
            f"Nothing here was changed or deleted. To be offered the move again, delete\n"
            f"this file; or run: attendance-desktop move-data \"{folder}\"\n")):
        raise LegacyMoveError(f"{folder}: cannot write {MARKER_NAME} there, so the old data "
                              f"will be mentioned again at the next start")


@dataclass(frozen=True, slots=True)
class MoveResult:
    source: Path
    target: Path
    pupils: int
    staff: int
    size_bytes: int
    replaced_copy: Path | None  # the empty database the move replaced, kept in backups/
    letters_copied: int
    marked: bool  # NOT-IN-USE.txt left in the old folder

    def __str__(self) -> str:
        note = (f"the old folder is left as it was, with {MARKER_NAME} in it" if self.marked
                else f"the old folder is left as it was ({MARKER_NAME} could not be written)")
        letters = f", {self.letters_copied} letter files" if self.letters_copied else ""
        return (f"Moved {self.pupils} pupils and {self.staff} staff "
                f"({self.size_bytes / 1_000_000:.1f} MB{letters}) from {self.source} to "
                f"{self.target}; {note}.")


def _table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {n: _count(conn, n) for n in names}


def _check_integrity(conn: sqlite3.Connection, what: Path) -> None:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    if rows != [("ok",)]:
        raise LegacyMoveError(f"{what}: the copy failed its integrity check ({rows[0][0]}); "
                              f"nothing was moved")


def move_legacy_data(source: Path, target: Path, now: dt.datetime | None = None) -> MoveResult:
    """Copy the old database into the data folder TARGET, verified, and mark the old folder.

    SOURCE is the old folder (or its attendance.sqlite3). The copy uses SQLite's online
    backup, so it is consistent even while another program has the old file open with
    changes still in its -wal file. A database already in TARGET is replaced only when it
    holds no pupils and no staff (a new one), and is first kept in TARGET/backups/.
    The old folder is never changed except for a NOT-IN-USE.txt note.
    """
    try:
        return _move(source, target, now)
    except OSError as exc:  # a folder that cannot be made or written, a full disk, ...
        where = exc.filename or target
        raise LegacyMoveError(f"{where}: {exc.strerror or exc}; the old data was not moved "
                              f"and is unchanged") from None


def _move(source: Path, target: Path, now: dt.datetime | None) -> MoveResult:
    when = now or dt.datetime.now()
    source, target = Path(os.path.abspath(source)), Path(os.path.abspath(target))  # messages
    src_folder = source.parent if source.name == DB_FILE and source.is_file() else source
    src_db = src_folder / DB_FILE
    dst_db = target / DB_FILE
    if not src_db.is_file():
        raise LegacyMoveError(f"{src_folder}: there is no {DB_FILE} in it to move")
    if _same_folder(src_folder, target):
        raise LegacyMoveError(f"{src_folder} is already the data folder in use")
    try:
        pupils, staff = database_counts(src_db)
    except LegacyMoveError as exc:
        raise LegacyMoveError(f"{exc}; nothing was moved") from None
    prepare_data_dir(target)

    def refuse_if_in_use() -> None:
        have = database_counts(dst_db)
        if have != (0, 0):
            raise LegacyMoveError(
                f"{target} already holds a school ({have[0]} pupils, {have[1]} staff), so "
                f"the old data in {src_folder} was not moved; nothing was changed")

    refuse_if_in_use()
    temp = target / f".{DB_FILE}.moving"
    temp.unlink(missing_ok=True)
    replaced: Path | None = None
    try:
        with closing(sqlite3.connect(src_db, timeout=10)) as src, \
                closing(sqlite3.connect(temp)) as copy:
            src.execute("PRAGMA query_only=ON")
            src.backup(copy)
            _check_integrity(copy, src_db)
            expected = _table_counts(copy)
        size = temp.stat().st_size
        if dst_db.exists():
            backups = target / "backups"
            backups.mkdir(exist_ok=True)
            replaced = backups / f"replaced-by-move-{when:%Y%m%d-%H%M%S}.sqlite3"
            with closing(sqlite3.connect(dst_db, timeout=10)) as old, \
                    closing(sqlite3.connect(replaced)) as keep:
                old.backup(keep)
        refuse_if_in_use()  # again, just before: another account may have started meanwhile
        # Backing up INTO the target through SQLite (not replacing the file) is safe even
        # if another copy of the app has the new empty database open.
        with closing(sqlite3.connect(temp)) as copy, \
                closing(sqlite3.connect(dst_db, timeout=10)) as dst:
            copy.backup(dst)
            _check_integrity(dst, dst_db)
            if _table_counts(dst) != expected:
                raise LegacyMoveError(f"{dst_db}: the moved data does not match the old data; "
                                      f"the old folder {src_folder} was left unmarked")
    except sqlite3.Error as exc:
        raise LegacyMoveError(f"{src_db}: could not be copied ({exc}); the old data is "
                              f"unchanged") from None
    finally:
        temp.unlink(missing_ok=True)
    prepare_data_dir(target)  # the database files copied in become private too
    try:
        letters = _copy_letters(src_folder / "letters", target / "letters")
    except OSError as exc:  # the register itself has moved; letters can be copied by hand
        log.warning("letters not all copied from the old folder: %s", exc)
        letters = 0
    marked = _write_marker(src_folder, (
        f"Attendance Desktop no longer uses this folder.\n"
        f"On {when:%d %B %Y at %H:%M} its database ({pupils} pupils, {staff} staff) was\n"
        f"copied to the shared data folder {target}, where every staff account on this\n"
        f"computer now finds it. Nothing here was changed or deleted; the copy here is\n"
        f"out of date from that moment. Backups made before the move are still here.\n"))
    log.info("moved old data: %d pupils, %d staff, %d letter files", pupils, staff, letters)
    return MoveResult(src_folder, target, pupils, staff, size, replaced, letters, marked)


def _copy_letters(src: Path, dst: Path) -> int:
    """Copy generated letters the target does not have; never overwrite one."""
    if not src.is_dir():
        return 0
    copied = 0
    for path in sorted(src.rglob("*")):
        if not path.is_file():
            continue
        out = dst / path.relative_to(src)
        if out.exists():
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out)
        copied += 1
    return copied
