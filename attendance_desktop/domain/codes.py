"""National attendance codes (England), their statistical categories and validity dates.

The 2024 code set applies to sessions from 19 August 2024 (School Attendance (Pupil
Registration) (England) Regulations 2024). Older codes are kept so that history from
before that date can be imported; each code is valid only on the dates it existed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

CODES_2024_START = dt.date(2024, 8, 19)
# F (extended family holiday) was withdrawn in September 2013.
F_CODE_END = dt.date(2013, 8, 31)


class Category(StrEnum):
    """Statistical category of a mark."""

    PRESENT = "present"
    APPROVED = "approved"  # approved educational activity: counts as attendance
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_COUNTED = "not_counted"  # not a possible session

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]

    @property
    def possible(self) -> bool:
        return self is not Category.NOT_COUNTED

    @property
    def attending(self) -> bool:
        return self in (Category.PRESENT, Category.APPROVED)


_CATEGORY_LABELS = {
    Category.PRESENT: "Present",
    Category.APPROVED: "Approved educational activity",
    Category.AUTHORISED: "Authorised absence",
    Category.UNAUTHORISED: "Unauthorised absence",
    Category.NOT_COUNTED: "Not counted (attendance not required / unable to attend)",
}


class NoteRequirement(StrEnum):
    NONE = "none"
    REASON = "reason"  # Y7: the specific cause must be written down
    ACTIVITY = "activity"  # B, K, P, V, W: a record of the approved activity


@dataclass(frozen=True, slots=True)
class AttendanceCode:
    code: str
    meaning: str
    category: Category
    valid_from: dt.date | None = None  # inclusive; None = always
    valid_to: dt.date | None = None  # inclusive; None = still valid
    note: NoteRequirement = NoteRequirement.NONE
    is_late: bool = False

    @property
    def possible(self) -> bool:
        return self.category.possible

    def valid_on(self, day: dt.date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)

    @property
    def tooltip(self) -> str:
        return f"{self.code}: {self.meaning} ({self.category.label})"


_NEW = CODES_2024_START
_OLD_END = CODES_2024_START - dt.timedelta(days=1)
P, A, AU, UN, NC = (
    Category.PRESENT,
    Category.APPROVED,
    Category.AUTHORISED,
    Category.UNAUTHORISED,
    Category.NOT_COUNTED,
)
ACT = NoteRequirement.ACTIVITY

_ALL: tuple[AttendanceCode, ...] = (
    AttendanceCode("/", "Present in the morning session", P),
    AttendanceCode("\\", "Present in the afternoon session", P),
    AttendanceCode("L", "Late: arrived after the register started but before it closed", P,
                   is_late=True),
    AttendanceCode("K", "Attending education provision arranged by the local authority", A,
                   valid_from=_NEW, note=ACT),
    AttendanceCode("V", "Educational visit or trip organised by the school", A, note=ACT),
    AttendanceCode("P", "Participating in an approved sporting activity", A, note=ACT),
    AttendanceCode("W", "Attending approved work experience", A, note=ACT),
    AttendanceCode("B", "Attending any other approved educational activity off site", A,
                   note=ACT),
    AttendanceCode("D", "Dual registered: attending the other school where registered", NC),
    AttendanceCode("C", "Leave of absence granted for exceptional circumstances", AU),
    AttendanceCode("C1", "Leave for a regulated performance or regulated employment abroad",
                   AU, valid_from=_NEW),
    AttendanceCode("C2", "Leave for a temporary, agreed part-time timetable", AU,
                   valid_from=_NEW),
    AttendanceCode("E", "Suspended or permanently excluded, no alternative provision", AU),
    AttendanceCode("I", "Illness (not medical or dental appointments)", AU),
    AttendanceCode("J1", "Leave to attend an interview for employment or another school",
                   AU, valid_from=_NEW),
    AttendanceCode("M", "Medical or dental appointment", AU),
    AttendanceCode("R", "Religious observance", AU),
    AttendanceCode("S", "Study leave for a public examination", AU),
    AttendanceCode("T", "Parent travelling for occupational purposes", AU),
    AttendanceCode("X", "Not required to attend: below compulsory school age", NC),
    AttendanceCode("Q", "Unable to attend: local authority travel arrangements not made", NC,
                   valid_from=_NEW),
    AttendanceCode("Y1", "Unable to attend: transport normally provided not available", NC,
                   valid_from=_NEW),
    AttendanceCode("Y2", "Unable to attend: widespread disruption to travel", NC,
                   valid_from=_NEW),
    AttendanceCode("Y3", "Unable to attend: part of the school premises closed", NC,
                   valid_from=_NEW),
    AttendanceCode("Y4", "Unable to attend: whole school site unexpectedly closed", NC,
                   valid_from=_NEW),
    AttendanceCode("Y5", "Unable to attend: in criminal justice detention", NC,
                   valid_from=_NEW),
    AttendanceCode("Y6", "Unable to attend: public health guidance or law", NC,
                   valid_from=_NEW),
    AttendanceCode("Y7", "Unable to attend: any other unavoidable cause (reason required)",
                   NC, valid_from=_NEW, note=NoteRequirement.REASON),
    AttendanceCode("G", "Holiday not granted by the school", UN),
    AttendanceCode("N", "Reason for absence not yet established", UN),
    AttendanceCode("O", "Absent in other or unknown circumstances", UN),
    AttendanceCode("U", "Arrived after the register closed", UN, is_late=True),
    AttendanceCode("Z", "Prospective pupil not yet on the admission register", NC),
    AttendanceCode("#", "Planned whole-school closure", NC),
    # Codes withdrawn on 19 August 2024 (accepted only for earlier dates).
    AttendanceCode("H", "Holiday authorised by the school (withdrawn 2024)", AU,
                   valid_to=_OLD_END),
    AttendanceCode("J", "Interview (withdrawn 2024; counted as approved activity)", A,
                   valid_to=_OLD_END),
    AttendanceCode("Y", "Unable to attend due to exceptional circumstances (withdrawn 2024)",
                   NC, valid_to=_OLD_END),
    AttendanceCode("F", "Extended family holiday (withdrawn 2013)", AU, valid_to=F_CODE_END),
)

CODES: dict[str, AttendanceCode] = {c.code: c for c in _ALL}
PRESENT_AM = "/"
PRESENT_PM = "\\"
UNAUTHORISED_CODES = frozenset(c.code for c in _ALL if c.category is Category.UNAUTHORISED)
PENALTY_CODES = UNAUTHORISED_CODES  # a penalty notice counts every unauthorised absence
MISSING_EDUCATION_CODES = frozenset({"G", "N", "O"})


class CodeError(ValueError):
    """A code that does not exist or is not valid on the given date."""


def lookup(code: str) -> AttendanceCode:
    """Return the code, accepting lower case letters; raise CodeError if unknown."""
    norm = code.strip().upper()
    found = CODES.get(norm)
    if found is None:
        raise CodeError(f"'{code}' is not a national attendance code")
    return found


def validate(code: str, day: dt.date) -> AttendanceCode:
    """Return the code if it may be used for a session on `day`, else raise CodeError."""
    found = lookup(code)
    if not found.valid_on(day):
        if found.valid_to is not None and day > found.valid_to:
            withdrawn = found.valid_to + dt.timedelta(days=1)
            raise CodeError(
                f"code {found.code} was withdrawn on {withdrawn:%d %B %Y}"
                f" and cannot be used for {day:%d %B %Y}"
            )
        assert found.valid_from is not None
        raise CodeError(
            f"code {found.code} only exists from {found.valid_from:%d %B %Y}"
            f" and cannot be used for {day:%d %B %Y}"
        )
    return found


def codes_valid_on(day: dt.date) -> list[AttendanceCode]:
    return [c for c in _ALL if c.valid_on(day)]


def present_code(session: str) -> str:
    return PRESENT_AM if session == "AM" else PRESENT_PM


def codes_in(category: Category) -> list[str]:
    return [c.code for c in _ALL if c.category is category]


def check_note(code: AttendanceCode, note: str | None) -> None:
    """Raise CodeError when a code needs a written reason or activity and none is given."""
    if code.note is NoteRequirement.NONE or (note and note.strip()):
        return
    if code.note is NoteRequirement.REASON:
        raise CodeError(f"code {code.code} needs the specific reason written in the comment")
    raise CodeError(f"code {code.code} needs a note of the approved activity or provision")
