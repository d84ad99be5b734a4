"""A tiny synthetic school for register tests (names invented for tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, Pupil, PupilContact, SchoolClass, Staff
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.school.auth_service import hash_pin


@dataclass
class TinySchool:
    oak: int
    ash: int
    teacher: Actor  # teaches Oak
    teacher_id: int
    office_id: int
    head_id: int
    readonly_id: int
    oak_pupils: list[int]
    ash_pupils: list[int]
    no_upn: int  # an Ash pupil without a UPN and with one contact


OAK_NAMES = [("Amber", "Tillbrook"), ("Basil", "Quenby"), ("Cora", "Vantreigh"),
             ("Dexter", "Holloway-Pine")]
ASH_NAMES = [("Esme", "Wraxham"), ("Finn", "Ludgate"), ("Greta", "Oxenbury")]


def make_school(engine: Engine) -> TinySchool:
    with session_scope(engine) as s:
        staff = {}
        # PINs that meet the default rules (6+ digits for head and office, nothing guessable)
        for name, role, pin in (("Tess Teacher", "teacher", "3957"),
                                ("Olly Office", "office", "550913"),
                                ("Hana Head", "head", "284617"),
                                ("Rory Reader", "readonly", "4681")):
            row = Staff(name=name, role=role, pin_hash=hash_pin(pin))
            s.add(row)
            s.flush()
            staff[role] = row.id
        oak = SchoolClass(name="Oak", teacher_id=staff["teacher"], sort_order=1)
        ash = SchoolClass(name="Ash", sort_order=2)
        s.add(oak)
        s.add(ash)
        s.flush()
        ids: dict[str, list[int]] = {"oak": [], "ash": []}
        serial = 100
        for key, cls, names in (("oak", oak, OAK_NAMES), ("ash", ash, ASH_NAMES)):
            for fore, sur in names:
                serial += 1
                p = Pupil(legal_forename=fore, legal_surname=sur, dob=dt.date(2018, 3, 1),
                          year_group="2", class_id=cls.id, admission_date=dt.date(2022, 9, 1),
                          upn=with_check_letter(f"9999999{serial:05d}"))
                if fore == "Greta":
                    p.upn = None
                s.add(p)
                s.flush()
                ids[key].append(p.id)
                n_contacts = 1 if fore == "Greta" else 2
                for i in range(n_contacts):
                    c = Contact(forename=f"Parent{i + 1}", surname=sur,
                                phone_mobile=f"07700 900{serial % 1000:03d}{i}")
                    s.add(c)
                    s.flush()
                    s.add(PupilContact(pupil_id=p.id, contact_id=c.id, priority=i + 1,
                                       relationship="Mother" if i == 0 else "Father"))
        return TinySchool(
            oak=oak.id, ash=ash.id,
            teacher=Actor("Tess Teacher", Role.TEACHER, staff["teacher"], frozenset({oak.id})),
            teacher_id=staff["teacher"], office_id=staff["office"], head_id=staff["head"],
            readonly_id=staff["readonly"], oak_pupils=ids["oak"], ash_pupils=ids["ash"],
            no_upn=ids["ash"][-1])
