"""Where the data lives. Built once at start-up and passed down (no globals).

Order: --db-url, then --data-dir, then $ATTENDANCE_DB_URL, $ATTENDANCE_DATA_DIR, then
locations.default_location() (portable mode, the machine config file, the machine-wide
folder). The application name is frozen: changing it would move every school's data.

The database URL is a SQLAlchemy ``URL`` object built with ``URL.create`` from the path,
never by pasting text, so any folder name works (drive letters, backslashes, spaces,
``' % # & = @ ; :``, accents). A PostgreSQL password that holds ``@ % : /`` must be
percent-encoded inside a URL; it can instead come from $ATTENDANCE_DB_PASSWORD or from
libpq's own password file (PGPASSFILE / ~/.pgpass, %APPDATA%\\postgresql\\pgpass.conf).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from attendance_desktop.config import locations
from attendance_desktop.services.errors import BadSetting

if TYPE_CHECKING:  # SQLAlchemy takes a good part of a second to import: not before the
    from sqlalchemy.engine import URL  # sign-in dialog (a data folder needs no URL yet)

APP_DIR_NAME = "AttendanceDesktop"
APP_AUTHOR = "AttendanceDesktop"
DB_FILE = "attendance.sqlite3"

PASSWORD_ENV = "ATTENDANCE_DB_PASSWORD"
WAIT_ENV = "ATTENDANCE_DB_WAIT"
PG_DUMP_ENV = "ATTENDANCE_PG_DUMP"
DEFAULT_WAIT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class AppPaths:
    data_dir: Path
    # The database: a URL, or a SQLite file (its URL is made when first asked for, so a
    # start with a data folder does not import SQLAlchemy before the first window).
    where: URL | PurePath
    # How long to wait for a lock another program holds (SQLite busy timeout, PostgreSQL
    # lock_timeout and connect timeout) before saying the database is busy.
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    # pg_dump before a PostgreSQL upgrade: "" = find it on PATH, "off" = never, else a path.
    pg_dump: str = ""
    _url: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.where, str):  # accept text for convenience; parsed once here
            object.__setattr__(self, "where", parse_db_url(self.where, {}))

    @property
    def url(self) -> URL:
        """The SQLAlchemy URL to connect with (it keeps any password)."""
        if not isinstance(self.where, PurePath):
            return self.where
        if self._url is None:
            object.__setattr__(self, "_url", sqlite_url(self.where))
        url: URL = self._url
        return url

    @property
    def db_url(self) -> str:
        """The URL as text for showing (About, logs): any password is hidden as ***.

        Connect with ``url``, which keeps the password.
        """
        if isinstance(self.where, PurePath):  # as SQLAlchemy writes it, without importing it
            return "sqlite:///" + quote(str(self.where), safe=" +/")
        return self.where.render_as_string(hide_password=True)

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def letters_dir(self) -> Path:
        return self.data_dir / "letters"

    @property
    def sqlite_file(self) -> Path | None:
        if isinstance(self.where, PurePath):
            return Path(self.where)
        return sqlite_file_of(self.where)


def sqlite_url(file: PurePath | str) -> URL:
    """The URL of a SQLite file; the path is stored verbatim, whatever it contains."""
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=str(file))


def sqlite_file_of(url: URL) -> Path | None:
    """The file behind a SQLite URL; None for PostgreSQL, memory or a file: URI."""
    db = url.database
    if url.get_backend_name() != "sqlite" or not db or db == ":memory:":
        return None
    if db.startswith("file:") and url.query.get("uri") == "true":
        return None
    return Path(db)


def parse_db_url(text: str, environ: Mapping[str, str]) -> URL:
    """A URL given as text (--db-url, $ATTENDANCE_DB_URL), with the password from the
    environment when the URL has none."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text.strip())
    except (ArgumentError, ValueError):
        # The text may hold a password: never repeat it.
        raise BadSetting(
            "The database URL (--db-url or ATTENDANCE_DB_URL) is not a URL: write it like "
            "postgresql+psycopg://user@server/school and give the password in "
            f"{PASSWORD_ENV}") from None
    if url.get_backend_name() != "sqlite" and url.password is None:
        password = environ.get(PASSWORD_ENV)
        if password:
            url = url.set(password=password)
    return url


def default_data_dir() -> Path:
    return locations.default_data_dir()


def _wait_seconds(environ: Mapping[str, str]) -> float:
    text = environ.get(WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value <= 3600):
        raise BadSetting(f"{WAIT_ENV}='{text}' is not a number of seconds (more than 0, at most "
                         "3600): correct it, or remove it to wait 10 seconds")
    return value


def resolve_paths(data_dir: str | os.PathLike[str] | None = None,
                  db_url: str | None = None,
                  environ: Mapping[str, str] | None = None) -> AppPaths:
    env = os.environ if environ is None else environ
    if data_dir is None:
        data_dir = env.get("ATTENDANCE_DATA_DIR") or None
    if data_dir:
        folder, default_url = Path(data_dir), None
    else:  # portable mode, the machine config file, or the machine-wide folder
        where = locations.default_location(env)
        folder, default_url = Path(where.data_dir), where.db_url
    folder = folder.resolve()
    text = db_url or env.get("ATTENDANCE_DB_URL") or default_url
    database = parse_db_url(text, env) if text else folder / DB_FILE
    return AppPaths(folder, database, wait_seconds=_wait_seconds(env),
                    pg_dump=env.get(PG_DUMP_ENV, "").strip())
