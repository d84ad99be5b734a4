"""The demo school's people: classes and staff, children, families and their contacts,
joiners and leavers, and writing them to the database."""

from __future__ import annotations

import datetime as dt
import functools

from sqlmodel import Session, col, select

from attendance_desktop.db.models import (
    Contact,
    Pupil,
    PupilContact,
    School,
    SchoolClass,
    Staff,
)
from attendance_desktop.domain.roles import SYSTEM_ACTOR, Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.demo import demo_names
from attendance_desktop.services.demo.demo_model import (
    DEMO_PINS,
    LA_NUMBER,
    PREVIOUS_SCHOOL_NUMBER,
    SCHOOL_NUMBER,
    SOURCE,
    YEAR_GROUPS,
    Child,
    ContactSpec,
    Family,
    GeneratorState,
    ascii_key,
)
from attendance_desktop.services.records import audit_service


class PeopleMaker(GeneratorState):
    """Makes the people, then writes them."""

    def make_people(self) -> None:
        names = demo_names.STAFF_NAMES
        self.staff = [(names["head"], "head", DEMO_PINS[Role.HEAD]),
                      (names["deputy"], "head", DEMO_PINS[Role.HEAD]),
                      (names["office1"], "office", DEMO_PINS[Role.OFFICE]),
                      (names["office2"], "office", DEMO_PINS[Role.OFFICE])]
        for yg, teacher in zip(YEAR_GROUPS, demo_names.TEACHER_NAMES, strict=True):
            self.staff.append((teacher, "teacher", DEMO_PINS[Role.TEACHER]))
            self.teacher_of[yg] = teacher
        self.staff.append((names["governor"], "readonly", DEMO_PINS[Role.READONLY]))
        self._make_children()
        self._make_families()
        self._assign_flags()
        for fam in self.families:
            fam.contacts = self._contacts(fam)
        self._special_contacts()
        self._joiners_and_leaver()

    def _make_children(self) -> None:
        rng = self.rng
        base, extra = divmod(self.pupils, len(YEAR_GROUPS))
        sizes = [base + (1 if g < extra else 0) for g in range(len(YEAR_GROUPS))]
        rng.shuffle(sizes)
        cohorts: list[tuple[int, int]] = [(self.ref_year - g, sizes[g]) for g in range(7)]
        # Older cohorts that have since left for secondary school (multi-year history).
        for e in range(self.first_year - 6, self.ref_year - 6):
            cohorts.append((e, base + (1 if rng.random() < extra / 7 else 0)))
        cohorts.sort()
        for entry, size in cohorts:
            serial = rng.randint(1, 300)
            for _ in range(size):
                sex = "F" if rng.random() < 0.5 else "M"
                born = dt.date(entry - 5, 9, 1) + dt.timedelta(days=rng.randrange(365))
                late_often = rng.random() < 0.04
                child = Child(
                    key=len(self.children), entry_year=entry, sex=sex, forename="",
                    surname="", dob=born, admission=self.term_dates(entry).start,
                    latent=rng.gauss(0.0, 1.0),
                    late_rate=(rng.uniform(0.08, 0.2) if late_often
                               else 0.0 if rng.random() < 0.6 else rng.uniform(0.002, 0.015)),
                    u_share=rng.uniform(0.15, 0.3) if late_often else 0.0,
                )
                body = f"{LA_NUMBER}{SCHOOL_NUMBER}{entry % 100:02d}{serial:03d}"
                child.upn = with_check_letter(body)
                serial += 1
                r = rng.random()
                child.sen = "E" if r < 0.02 else "K" if r < 0.15 else "N"
                if entry + 6 < self.ref_year:
                    child.leaving = self.term_dates(entry + 6).end
                    child.leaving_reason = "Transferred to secondary school"
                self.children.append(child)
        # At least two pupils who are late often, for the lateness tracker.
        current = [c for c in self.children if c.leaving is None]
        while sum(1 for c in current if c.late_rate >= 0.08) < 2:
            c = rng.choice(current)
            c.late_rate, c.u_share = rng.uniform(0.1, 0.2), rng.uniform(0.15, 0.3)

    def _make_families(self) -> None:
        rng = self.rng
        order = list(self.children)
        rng.shuffle(order)
        free = set(c.key for c in order)
        for child in order:
            if child.key not in free:
                continue
            free.discard(child.key)
            kids = [child]
            if rng.random() < 0.15:
                want = 2 if rng.random() < 0.75 else 3
                for c in order:
                    if len(kids) >= want:
                        break
                    if c.key in free and all(1 <= abs(c.entry_year - k.entry_year) <= 4
                                             for k in kids):
                        kids.append(c)
                        free.discard(c.key)
            bg = self._background()
            fam = Family(surname=rng.choice(bg.surnames), fsm=rng.random() < 0.22,
                          pupil_premium=False, eal=rng.random() < bg.eal_rate, background=bg)
            fam.pupil_premium = fam.fsm or rng.random() < 0.04
            # Some families choose given names from another tradition than their surname's.
            given = bg if rng.random() > 0.12 else demo_names.BACKGROUNDS[0]
            seen: set[str] = set()
            for k in sorted(kids, key=lambda c: c.entry_year):
                names = given.girls if k.sex == "F" else given.boys
                k.forename = rng.choice([n for n in names if n not in seen] or names)
                if k.forename in demo_names.PREFERRED and rng.random() < 0.4:
                    k.preferred = demo_names.PREFERRED[k.forename]
                seen.add(k.forename)
                k.surname = fam.surname
                k.family = fam
                fam.children.append(k)
            self.families.append(fam)
        self.children.sort(key=lambda c: c.key)

    def _assign_flags(self) -> None:
        rng = self.rng
        singles = self.single_current()
        for c in rng.sample(singles, min(len(singles), rng.randint(1, 2))):
            c.looked_after = True
            assert c.family is not None
            c.family.pupil_premium = True
        current = self.current()
        for c in rng.sample(current, min(len(current), rng.randint(2, 3))):
            c.child_in_need = True
        older = [c for c in current if c.entry_year <= self.ref_year - 3]
        for c in rng.sample(older, min(len(older), rng.randint(1, 2))):
            c.young_carer = True

    def _address(self) -> tuple[str, str]:
        rng = self.rng
        street = f"{rng.randint(1, 140)} {rng.choice(demo_names.STREETS)}, {demo_names.TOWN}"
        letters = demo_names.INWARD_LETTERS
        code = (f"{demo_names.POSTCODE_AREA}{rng.choice((4, 5, 7))} "
                f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}")
        return street, code

    def _background(self) -> demo_names.Background:
        return self.rng.choices(demo_names.BACKGROUNDS,
                                [b.weight for b in demo_names.BACKGROUNDS])[0]

    def _person(self, relationship: str, woman: bool, surname: str, *, pr: bool,
                lives: bool, address: tuple[str, str], bg: demo_names.Background,
                home: str = "") -> ContactSpec:
        rng = self.rng
        forename = rng.choice(bg.women if woman else bg.men)
        title = rng.choice(("Mrs", "Ms", "Miss")) if woman else "Mr"
        if rng.random() < 0.03:
            title = "Dr"
        email = ""
        if rng.random() < 0.85:
            email = f"{ascii_key(forename)}.{ascii_key(surname)}{next(self.email_no)}@example.com"
        work = next(self.landlines) if rng.random() < 0.2 else ""
        return ContactSpec(title, forename, surname, relationship, pr, lives,
                            next(self.mobiles), home, work, email, *address)

    def _contacts(self, fam: Family) -> list[ContactSpec]:
        rng = self.rng
        bg = fam.background
        person = functools.partial(self._person, bg=bg)
        home_addr = self._address()
        home = next(self.landlines) if rng.random() < 0.45 else ""
        mum_surname = fam.surname if rng.random() < 0.8 else rng.choice(bg.surnames)
        r = rng.random()
        out: list[ContactSpec]
        if r < 0.55:
            out = [person("Mother", True, mum_surname, pr=True, lives=True, address=home_addr,
                          home=home),
                   person("Father", False, fam.surname, pr=True, lives=True, address=home_addr,
                          home=home)]
            if rng.random() < 0.3:
                out.reverse()
        elif r < 0.75:
            mum_home = rng.random() < 0.8
            resident = person("Mother" if mum_home else "Father", mum_home,
                              mum_surname if mum_home else fam.surname, pr=True, lives=True,
                              address=home_addr, home=home)
            other = person("Father" if mum_home else "Mother", not mum_home,
                           fam.surname if mum_home else mum_surname, pr=True, lives=False,
                           address=self._address())
            out = [resident, other]
        elif r < 0.9:
            out = [person("Mother", True, mum_surname, pr=True, lives=True, address=home_addr,
                          home=home),
                   person(rng.choice(("Grandmother", "Grandfather")), rng.random() < 0.6,
                          mum_surname, pr=False, lives=False, address=self._address())]
        else:
            out = [person("Mother", True, mum_surname, pr=True, lives=True, address=home_addr,
                          home=home),
                   person("Stepfather", False, rng.choice(bg.surnames), pr=False, lives=True,
                          address=home_addr, home=home)]
        if rng.random() < 0.25:
            rel = rng.choice(("Grandmother", "Grandfather", "Aunt", "Uncle"))
            out.append(person(rel, rel in ("Grandmother", "Aunt"),
                              rng.choice((fam.surname, mum_surname)), pr=False, lives=False,
                              address=self._address()))
        return out

    def _special_contacts(self) -> None:
        rng = self.rng
        for c in self.children:
            if c.looked_after and c.family is not None:
                addr = self._address()
                carers, worker = self._background(), self._background()
                carer_surname = rng.choice(carers.surnames)
                c.family.contacts = [
                    self._person("Foster carer", True, carer_surname, pr=False, lives=True,
                                 address=addr, bg=carers),
                    self._person("Foster carer", False, carer_surname, pr=False, lives=True,
                                 address=addr, bg=carers),
                    self._person("Social worker", rng.random() < 0.5,
                                 rng.choice(worker.surnames), pr=False, lives=False,
                                 address=("County Hall, Exampleshire", "BK1 1AA"), bg=worker),
                ]
        # A few families with a single contact: the data checks should flag them.
        singles = [c for c in self.single_current() if not c.looked_after]
        for c in rng.sample(singles, min(len(singles), max(2, self.pupils // 70))):
            assert c.family is not None
            c.family.contacts = c.family.contacts[:1]

    def _joiners_and_leaver(self) -> None:
        rng = self.rng
        seg0, seg1 = self.seg_days[-1]
        autumn_end = dt.date(self.spans[-1][1].year, 12, 31)
        days = [d for d in self.days[seg0 + 5:seg1 - 1] if d <= autumn_end]
        taken: set[int] = set()
        candidates = [c for c in self.single_current() if not c.looked_after]
        if days:
            for c in rng.sample(candidates, min(2, len(candidates))):
                c.admission = rng.choice(days)
                c.joiner = True
                # A UPN from the previous school, with that school's number.
                serial = rng.randint(400, 899)
                c.upn = with_check_letter(
                    f"{LA_NUMBER}{PREVIOUS_SCHOOL_NUMBER}{c.entry_year % 100:02d}{serial:03d}")
                taken.add(c.key)
        later = self.days[seg0 + (seg1 - seg0) // 2:seg1 - 2]
        rest = [c for c in candidates if c.key not in taken]
        if later and rest:
            c = rng.choice(rest)
            c.leaving = rng.choice(later)
            c.leaving_reason = "Moved out of the area"

    def write_people(self, s: Session) -> dict[str, int]:
        school = s.exec(select(School)).first() or School(name=demo_names.SCHOOL_NAME)
        names = demo_names.STAFF_NAMES
        school.name = demo_names.SCHOOL_NAME
        school.address = f"{demo_names.SCHOOL_STREET}, {demo_names.TOWN}, {demo_names.COUNTY_TOWN}"
        school.postcode = f"{demo_names.POSTCODE_AREA}4 2LP"
        school.phone = "01632 960000"
        school.email = "office.brookfield@example.com"
        school.urn = f"{100000 + self.rng.randrange(800000):06d}"
        school.local_authority = "Example County Council"
        school.head_name = names["head"]
        school.attendance_lead_name = f"{names['deputy']} (deputy head)"
        school.is_demo = True
        school.set_up_complete = True
        school.created_at = self.created_at
        s.add(school)
        staff_ids: dict[str, int] = {}
        for name, role, pin in self.staff:
            row = Staff(name=name, role=role, pin_hash=self.hashes[pin],
                        created_at=self.created_at, is_demo=True)
            s.add(row)
            s.flush()
            assert row.id is not None
            staff_ids[name] = row.id
        for order, (yg, cname) in enumerate(demo_names.CLASS_NAMES):
            sc = SchoolClass(name=cname, sort_order=order,
                             teacher_id=staff_ids[self.teacher_of[yg]])
            s.add(sc)
            s.flush()
            assert sc.id is not None
            self.class_ids[yg] = sc.id
        seg = len(self.spans) - 1
        for c in self.children:
            fam = c.family
            assert fam is not None
            past = c.leaving is not None and c.leaving_reason.startswith("Transferred")
            yg = "6" if past else self.year_group(c, seg)
            pupil = Pupil(
                upn=c.upn, legal_forename=c.forename, legal_surname=c.surname,
                preferred_forename=c.preferred, dob=c.dob, sex=c.sex, year_group=yg,
                class_id=None if past else self.class_ids[yg], admission_date=c.admission,
                leaving_date=c.leaving, leaving_reason=c.leaving_reason, sen=c.sen,
                fsm=fam.fsm, pupil_premium=fam.pupil_premium, looked_after=c.looked_after,
                child_in_need=c.child_in_need, eal=fam.eal, young_carer=c.young_carer,
                is_demo=True,
            )
            s.add(pupil)
        s.flush()
        ids = s.exec(select(col(Pupil.id)).where(col(Pupil.is_demo)).order_by(col(Pupil.id))).all()
        for c, pid in zip(self.children, ids, strict=True):
            assert pid is not None
            c.id = pid
            audit_service.record_pupil_change(s, SYSTEM_ACTOR, pid, "record", "",
                                              "added (demo)", source=SOURCE,
                                              at=self.created_at)
        for fam in self.families:
            for spec in fam.contacts:
                contact = Contact(title=spec.title, forename=spec.forename,
                                  surname=spec.surname, phone_mobile=spec.mobile,
                                  phone_home=spec.home, phone_work=spec.work, email=spec.email,
                                  address=spec.address, postcode=spec.postcode)
                s.add(contact)
                s.flush()
                spec.id = contact.id
            for k in fam.children:
                for prio, spec in enumerate(fam.contacts, start=1):
                    assert k.id is not None
                    assert spec.id is not None
                    s.add(PupilContact(pupil_id=k.id, contact_id=spec.id,
                                       relationship=spec.relationship, priority=prio,
                                       parental_responsibility=spec.parental_responsibility,
                                       lives_with_pupil=spec.lives_with_pupil,
                                       emergency_contact=spec.relationship != "Social worker"))
        s.flush()
        return staff_ids
