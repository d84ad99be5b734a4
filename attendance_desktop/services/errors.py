"""Errors a service raises for the user to read. Each says what is wrong and where."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class ServiceError(Exception):
    """Bad input or a refused action; the message is written for a member of staff."""


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input file: where it is and what is wrong."""

    row: int | None  # 1-based data row in the file (header = row 1), None for the whole file
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        col = f", column '{self.column}'" if self.column else ""
        return f"{where}{col}: {self.message}"


@dataclass
class ImportRejected(ServiceError):
    """An all-or-nothing import that found problems; nothing was saved."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        first = self.problems[0] if self.problems else "no rows"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{self.source}: {first}{more}; nothing was imported"


# --- start-up faults ------------------------------------------------------------------
# Raised by services.database.open_database (and config.paths for a bad URL or setting).
# Each str() is ONE plain line: what is wrong, then what to do. The original exception is
# chained (__cause__) for the log; the GUI shows str(exc), the CLI prints it and exits 2.


class StartupError(ServiceError):
    """The database could not be opened; nothing was changed."""


class BadSetting(StartupError):
    """A database URL or a setting in the environment that cannot be used."""


class DatabaseUnavailable(StartupError):
    """The database server cannot be reached or refuses the connection."""


class DatabaseLoginFailed(DatabaseUnavailable):
    """The server answered but refused the user name or password."""


class DatabaseDriverMissing(DatabaseUnavailable):
    """The PostgreSQL driver (psycopg) is not installed."""


class DatabaseTooNew(StartupError):
    """The database was upgraded by a newer version of the app."""


class NotADatabase(StartupError):
    """The file is damaged, is not a database, or belongs to another program."""


class DataFolderProblem(StartupError):
    """The data folder is a file, or cannot be created or written."""


class DiskFull(StartupError):
    pass


class DatabaseBusy(StartupError):
    """Another program held the database longer than the wait allowed (at start-up or
    while saving); nothing was saved."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "The database is busy (another computer or the kiosk is"
                         " saving); nothing was saved: try again in a moment")


class MigrationFailed(StartupError):
    """A schema upgrade failed; it was rolled back, so the database is as it was."""


class BackupFailed(StartupError):
    """The copy taken before an upgrade failed, so the upgrade was not started."""


@dataclass(frozen=True, slots=True)
class CellConflict:
    """One cell that changed since the user saw it: who changed it, when and to what."""

    pupil_id: int
    pupil_name: str
    day: dt.date
    session: str
    seen_code: str  # "" = the user saw an empty cell
    current_code: str  # "" = the cell is now empty
    changed_by: str
    changed_role: str
    changed_at: dt.datetime | None

    def __str__(self) -> str:
        seen = self.seen_code or "no mark"
        now = self.current_code or "no mark"
        when = f" at {self.changed_at:%H:%M on %d %b}" if self.changed_at else ""
        who = f"{self.changed_by} ({self.changed_role})" if self.changed_by else "someone"
        return (f"{self.pupil_name}, {self.day:%a %d %b} {self.session}: {who} changed it"
                f"{when} from {seen} to {now}")


class MarkConflict(ServiceError):
    """Cells changed by someone else since the user saw them; nothing in the batch was saved."""

    def __init__(self, conflicts: tuple[CellConflict, ...]) -> None:
        self.conflicts = conflicts
        first = str(conflicts[0]) if conflicts else "a mark changed"
        more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        super().__init__(f"Someone else changed this mark since you saw it: {first}{more}."
                         " Nothing was saved.")
