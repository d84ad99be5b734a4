"""What the Pupils page reads, gathered in one call each so it can run on the serial worker
(gui/serial_worker.py): plain Python, nothing Qt, every value decided in the GUI thread
before the call (the search text, the class, the pupil, the day)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from attendance_desktop.domain.policy import Policy
from attendance_desktop.services.interchange import previous_school
from attendance_desktop.services.interchange.previous_school import PreviousYear
from attendance_desktop.services.leave import leave_reads
from attendance_desktop.services.leave.leave_records import RequestRow
from attendance_desktop.services.pupils import class_service, pupil_contacts, pupil_service
from attendance_desktop.services.pupils.pupil_contacts import (
    ContactLink,
)
from attendance_desktop.services.pupils.pupil_service import (
    AttendanceSummary,
    PupilDetails,
    PupilSummary,
)
from attendance_desktop.services.school import policy_service


@dataclass(frozen=True)
class PupilList:
    classes: tuple[tuple[int, str], ...]  # (id, name) in the school's order
    pupils: list[PupilSummary]


@dataclass(frozen=True)
class Profile:
    pupil_id: int
    pupil: PupilDetails
    photo: bytes | None
    summary: AttendanceSummary | None
    policy: Policy
    contacts: list[ContactLink]
    warning: str | None
    leave: list[RequestRow]
    previous: list[PreviousYear]


def read_list(engine: Engine, search: str, class_id: int | None,
              leavers: bool) -> PupilList:
    classes = tuple((c.id, c.name) for c in class_service.list_classes(engine))
    return PupilList(classes, pupil_service.list_pupils(engine, search, class_id, leavers))


def read_profile(engine: Engine, pupil_id: int, today: dt.date) -> Profile:
    contacts = pupil_contacts.list_contacts(engine, pupil_id)
    return Profile(
        pupil_id=pupil_id,
        pupil=pupil_service.get_pupil(engine, pupil_id),
        photo=pupil_service.get_photo(engine, pupil_id),
        summary=pupil_service.attendance_summary(engine, pupil_id, today),
        policy=policy_service.load_policy(engine),
        contacts=contacts,
        warning=pupil_contacts.emergency_warning(engine, pupil_id, contacts),
        leave=leave_reads.leave_history(engine, pupil_id),
        previous=previous_school.history(engine, pupil_id))
