"""The support log: a small rotating file in the data folder. Imports no Qt.

What goes in: start and stop, versions, where the data is, faults with their tracebacks,
and what other modules log (counts and file names). Never a pupil's name, UPN or any
other personal detail, and never a password (URLs are written with the password hidden).

If the log cannot be written (read-only folder, a data "folder" that is a file, a full
disk), the app carries on without it: a log must never be the reason the app fails.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import platform
import re
import sys
from pathlib import Path
from urllib.parse import unquote

from attendance_desktop import APP_NAME, __version__
from attendance_desktop.config.private_files import shared_with_group

LOG_DIR_NAME = "logs"
LOG_FILE_NAME = "attendance-desktop.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5  # 1 MB x (1 + 5) at most: months of normal use on a school PC
FORMAT = "%(asctime)s %(levelname)-7s %(process)d %(name)s: %(message)s"

log = logging.getLogger(__name__)

# The handlers this module installed on the root logger, so a second call (tests, demo
# then window) replaces them instead of writing every line twice.
_installed: list[logging.Handler] = []
_active_file: Path | None = None


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files (the first and every rotated one) are private."""

    def __init__(self, path: Path, file_mode: int) -> None:
        self.file_mode = file_mode  # before the base class opens the file
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")

    def _open(self):  # type: ignore[no-untyped-def]
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        fd = os.open(self.baseFilename, flags, self.file_mode)
        if hasattr(os, "fchmod"):  # the umask may have narrowed it; an old file may be wider
            with contextlib.suppress(OSError):  # another account's file: leave it
                os.fchmod(fd, self.file_mode)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        # Called under the handler's lock, as close() is. The base classes would open the
        # file again for a record that another thread (a mail server, a worker) logs just
        # after teardown_logging closed this handler, and nothing would close it then.
        if self._closed:  # type: ignore[attr-defined]
            return
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        # A write or rotation that fails (disk full; on Windows another copy holding the
        # file) loses that line; the default would print a traceback on stderr.
        pass


# Database errors quote the values of the failed statement, which may be a pupil's name
# or UPN: SQLAlchemy's "[parameters: ...]" line and PostgreSQL's "Key (upn)=(...)" detail.
_SQL_PARAMETERS = re.compile(r"^\[parameters: .*\]$", re.MULTILINE)
_KEY_VALUES = re.compile(r"Key \(([^)]*)\)=\(.*?\)(?= already exists| is not present|\s*$)",
                         re.MULTILINE)


def redact(text: str) -> str:
    text = _SQL_PARAMETERS.sub("[parameters: hidden from the log]", text)
    return _KEY_VALUES.sub(r"Key (\1)=(hidden)", text)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _OneLineFormatter(logging.Formatter):
    """For the stderr fallback: never a traceback on a user's terminal."""

    def formatException(self, ei):  # type: ignore[no-untyped-def]  # noqa: N802
        return ""

    def format(self, record: logging.LogRecord) -> str:
        return f"attendance-desktop: {record.getMessage()}"


def log_file_path(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIR_NAME / LOG_FILE_NAME


def active_log_file() -> Path | None:
    """The log file being written, or None when logging fell back to standard error."""
    return _active_file


def setup_logging(data_dir: Path | None, level: int = logging.INFO) -> Path:
    """Send log records to <data_dir>/logs/attendance-desktop.log; return that path.

    Safe to call again (the previous handlers are closed). When the file cannot be
    opened, records of CRITICAL level go to standard error as one line each and nothing
    else is written; `active_log_file()` then returns None.
    """
    global _active_file
    teardown_logging()
    root = logging.getLogger()
    root.setLevel(level)
    path = log_file_path(data_dir) if data_dir is not None else Path(LOG_FILE_NAME)
    handler: logging.Handler
    try:
        if data_dir is None:
            raise OSError("no data folder")
        shared = shared_with_group(data_dir)
        file_mode = 0o660 if shared else 0o600
        _make_private_dir(data_dir, path.parent, shared)
        handler = _PrivateRotatingFileHandler(path, file_mode)
        handler.setFormatter(_RedactingFormatter(FORMAT))
        _active_file = path
    except (OSError, ValueError):
        handler = logging.StreamHandler(sys.stderr) if sys.stderr is not None \
            else logging.NullHandler()
        handler.setLevel(logging.CRITICAL)
        handler.setFormatter(_OneLineFormatter())
        _active_file = None
    root.addHandler(handler)
    _installed.append(handler)
    # SQLAlchemy and Alembic at INFO would log SQL and parameters (pupils' data).
    for noisy in ("sqlalchemy", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path


def teardown_logging() -> None:
    """Close and remove the handlers setup_logging installed."""
    global _active_file
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
    _active_file = None


def _make_private_dir(data_dir: Path, logs_dir: Path, shared: bool) -> None:
    # A new data folder is made private here too, as start-up would make it (0700):
    # the log is written before the database is opened.
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = 0o2770 if shared else 0o700
    logs_dir.mkdir(mode=mode, exist_ok=True)
    if os.name == "posix" and logs_dir.stat().st_uid == os.geteuid():
        os.chmod(logs_dir, mode)  # mkdir's mode is cut by the umask
    if not os.access(logs_dir, os.W_OK):
        raise OSError(f"cannot write to {logs_dir}")


def describe_database(db_url: str) -> str:
    """The database as support needs it: the SQLite file, or the URL without password."""
    plain = "sqlite:///"
    rest = db_url[len(plain):]
    if db_url.startswith(plain) and rest and "?" not in rest and rest != ":memory:":
        # A data folder's file, as config.paths writes it: read without SQLAlchemy (slow
        # to import; the log's first line is written before the first window)
        return f"SQLite file {unquote(rest)}"
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except (ArgumentError, ValueError):
        # Unreadable: show only the scheme, as the rest may hold a password.
        scheme = db_url.split(":", 1)[0] if ":" in db_url else ""
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,30}", scheme):
            scheme = "unknown"
        return f"{scheme} (the database URL could not be read)"
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}" if url.database else "SQLite in memory"
    kind = {"postgresql": "PostgreSQL"}.get(url.get_backend_name(), url.get_backend_name())
    return f"{kind} at {url.render_as_string(hide_password=True)}"


def log_start(command: str, data_dir: Path | None, db_url: str | None) -> None:
    log.info("start: %s %s, command %s, Python %s, %s", APP_NAME, __version__, command,
             platform.python_version(), platform.platform())
    log.info("data folder %s; database %s", data_dir or "(unknown)",
             describe_database(db_url) if db_url else "(unknown)")


def log_stop(code: int) -> None:
    log.info("stop (exit code %s)", code)
