"""Reading import files, shared by every CSV import: the file's rows, cells parsed as dates,
year groups, sex, SEN and flags, problems listed one a line. Imports no Qt.

The CSV import by job: `pupil_fields` (the columns and header matching),
`pupil_import_check` (a pupil file checked, nothing written), `pupil_import` (writing
it), `mark_import` (marks checked then written), `mark_export`. Imports are
all-or-nothing: every row is checked first and every problem is reported (row and
column) in one `ImportRejected`; only a clean file is written, in one transaction. Mark
changes go through the register's one writer so amendments are recorded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from attendance_desktop.domain.policy import ALL_YEAR_GROUPS
from attendance_desktop.domain.progress import Progress
from attendance_desktop.services import office_files
from attendance_desktop.services.csv_safe import restore_cell
from attendance_desktop.services.errors import Problem
from attendance_desktop.services.interchange.pupil_fields import normalise_header

R = TypeVar("R")
CHUNK = 5000  # rows between progress reports and per executemany


def run_to_end(job: Generator[Progress, None, R]) -> R:
    """Run a job generator to the end (no progress shown) and return its result."""
    while True:
        try:
            next(job)
        except StopIteration as stop:
            result: R = stop.value
            return result


MARK_COLUMNS = ("upn", "date", "session", "code", "minutes_late", "comment")


# --- reading files -------------------------------------------------------------


def read_csv(source: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Headers and (row, cells) for each non-blank data row, whatever office software
    wrote the file (encodings, delimiters and oversize cells: services.office_files)."""
    table = office_files.read_table(source)
    # Our own exports guard formula-like cells with an apostrophe; undo it.
    return table.headers, [(n, [restore_cell(c) for c in cells]) for n, cells in table.rows]


def shown_cell(value: str) -> str:
    """A cell value for a one-line message."""
    value = " ".join(value.split())
    return value if len(value) <= 40 else value[:37] + "..."


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")


def parse_date(text: str) -> dt.date:
    """ISO (2025-09-03) or UK day-first (03/09/2025, 3/9/2025). ValueError otherwise."""
    text = text.strip()
    if " " in text:  # Excel often appends 00:00:00
        head, tail = text.split(" ", 1)
        if re.fullmatch(r"0?0:00(:00)?", tail.strip()):
            text = head
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt == "%d/%m/%y" and not re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", text):
            continue
        return day
    raise ValueError(f"'{shown_cell(text)}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


_YEAR_WORDS = {"r": "R", "yr": "R", "rec": "R", "reception": "R", "0": "R", "y0": "R",
               "year0": "R", "recep": "R", "f": "R", "f2": "R", "fs2": "R",
               "n": "N", "n1": "N", "n2": "N", "nursery": "N", "fs1": "N", "f1": "N"}


def parse_year_group(text: str, allowed: Sequence[str] = ALL_YEAR_GROUPS) -> str:
    """N, R or 1-6 from the spellings management systems use; `allowed` is the school's
    range (policy.year_groups). A sign or a fraction is never read as a year ("-1" is not
    Year 1)."""
    if not re.fullmatch(r"[A-Za-z0-9 ]*", text.strip()):
        raise ValueError(f"'{shown_cell(text)}' is not a year group (use N, R or Reception, "
                         "or 1 to 6)")
    norm = normalise_header(text)
    found = _YEAR_WORDS.get(norm)
    if found is None:
        m = re.fullmatch(r"(?:year|yr|y|ncyear|nc)?0?([1-9]\d?)", norm)
        if m and 1 <= int(m.group(1)) <= 6:
            found = m.group(1)
    if found is None:
        raise ValueError(f"'{shown_cell(text)}' is not a primary year group "
                         "(use N, R or Reception, or 1 to 6)")
    if found not in allowed:
        shown = "Nursery" if found == "N" else "Reception" if found == "R" else f"Year {found}"
        raise ValueError(f"'{shown_cell(text)}' ({shown}) is outside the school's year groups "
                         f"({', '.join(allowed)}; set in Settings)")
    return found


_SEX = {"f": "F", "female": "F", "girl": "F", "g": "F", "m": "M", "male": "M",
        "boy": "M", "b": "M", "x": "X", "other": "X", "u": "U", "unknown": "U",
        "notknown": "U", "notstated": "U"}


def parse_sex(text: str) -> str:
    norm = normalise_header(text)
    if not norm:
        return ""
    if norm in _SEX:
        return _SEX[norm]
    raise ValueError(f"'{shown_cell(text)}' is not a sex the import understands (use F or M)")


_SEN = {"": "N", "n": "N", "no": "N", "none": "N", "nosen": "N", "0": "N", "false": "N",
        "k": "K", "sensupport": "K", "support": "K", "senk": "K", "a": "K", "p": "K",
        "e": "E", "ehcp": "E", "ehc": "E", "ehcplan": "E", "s": "E", "statement": "E",
        "statemented": "E", "educationhealthandcareplan": "E"}


def parse_sen(text: str) -> str:
    norm = normalise_header(text)
    if norm in _SEN:
        return _SEN[norm]
    raise ValueError(f"'{shown_cell(text)}' is not an SEN status "
                     "(use N none, K SEN support or E EHC plan)")


_TRUE = {"y", "yes", "true", "t", "1", "x", "eligible"}
_FALSE = {"", "n", "no", "false", "f", "0", "noteligible", "none"}


def parse_flag(text: str) -> bool:
    norm = normalise_header(text)
    if norm in _TRUE:
        return True
    if norm in _FALSE:
        return False
    raise ValueError(f"'{shown_cell(text)}' is not yes or no (use Y or N)")


def problems_text(problems: Iterable[Problem]) -> str:
    """Every problem on its own line, for a dialog or a log."""
    return "\n".join(str(p) for p in problems)
