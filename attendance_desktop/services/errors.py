"""Errors a service raises for the user to read. Each says what is wrong and where."""

from __future__ import annotations

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
