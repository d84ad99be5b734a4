"""Letters: merge, family grouping and addressing, repeats, batches, the log.

The PDFs are read back with pypdf and checked for the names, figures and addressees a
parent would see.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    LetterLog,
    Mark,
    Pupil,
    PupilContact,
    SchoolClass,
    SettingChange,
)
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.progress import Cancelled, CancelToken
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.letters import (
    letter_facts,
    letter_layout,
    letter_plans,
    letter_service,
    letter_templates,
    template_store,
)
from attendance_desktop.services.school import calendar_service, policy_service, school_service
from tests.conftest import HEAD, OFFICE

TODAY = dt.date(2025, 11, 20)
EXTRAS = {
    "meeting_date": "Tuesday 2 December 2025", "meeting_time": "3.30pm",
    "meeting_place": "the school office", "absence_date": "Monday 17 November 2025",
    "absence_dates": "17 and 18 November 2025", "leave_dates": "2 to 6 March 2026",
    "sessions_granted": "10 sessions (5 school days)", "conditions": "",
    "reasons": "The request is for a family holiday, and a holiday is not an exceptional "
               "circumstance.",
    "personal_target": "attending 9 out of 10 sessions every week this half term",
    # leave letters after a decision (services/letters/letter_templates_leave.py)
    "dates_requested": "Monday 2 to Friday 6 March 2026", "dates_granted": "Monday 2 March 2026",
    "dates_refused": "Tuesday 3 to Friday 6 March 2026",
    "sessions_refused": "8 school sessions (4 school days)",
    "return_date": "Tuesday 3 March 2026 (morning)", "decision_date": "10 February 2026",
    "dates_taken": "Monday 2 to Friday 6 March 2026",
    "sessions_taken": "10 school sessions (5 school days)",
}


def _pupil(s, forename: str, surname: str, dob: dt.date, year: str, class_id: int) -> int:  # type: ignore[no-untyped-def]
    p = Pupil(legal_forename=forename, legal_surname=surname, dob=dob, year_group=year,
              class_id=class_id, admission_date=dt.date(2024, 9, 4))
    s.add(p)
    s.flush()
    return p.id


def _contact(s, title: str, forename: str, surname: str, address: str = "",  # type: ignore[no-untyped-def]
             postcode: str = "") -> int:
    c = Contact(title=title, forename=forename, surname=surname, address=address,
                postcode=postcode)
    s.add(c)
    s.flush()
    return c.id


def _link(s, pupil: int, contact: int, *, pr: bool = True, lives: bool = True,  # type: ignore[no-untyped-def]
          priority: int = 1) -> None:
    s.add(PupilContact(pupil_id=pupil, contact_id=contact, parental_responsibility=pr,
                       lives_with_pupil=lives, priority=priority, relationship="Parent"))


def build_school(engine: Engine, *, with_year: bool = True) -> dict[str, int]:
    """A small synthetic school: siblings, separated parents, a pupil with no one at home.

    Autumn 2 (3-20 Nov 2025) figures: Amy 2 of 28 sessions missed (92.9%, lower amber,
    3 lates); Ben 100%; Cara 4 unauthorised (85.7%, red); Dan and Eve 100%.
    """
    school_service.save_school(engine, HEAD, school_service.SchoolDetails(
        name="Hillside Primary School", address="1 School Lane\nExamplebury",
        postcode="EX1 2AB", phone="01234 567890", email="office@hillside.example",
        head_name="Ms Rowan Ashby", attendance_lead_name="Mr Sam Fielding"))
    if with_year:
        calendar_service.create_academic_year(engine, HEAD, default_term_dates(2025))
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        oak, ash = SchoolClass(name="Oak", sort_order=1), SchoolClass(name="Ash", sort_order=2)
        s.add(oak)
        s.add(ash)
        s.flush()
        ids["amy"] = _pupil(s, "Amy", "Example", dt.date(2017, 5, 2), "3", oak.id)
        ids["ben"] = _pupil(s, "Ben", "Example", dt.date(2019, 8, 9), "1", ash.id)
        ids["cara"] = _pupil(s, "Cara", "Other", dt.date(2017, 2, 11), "3", oak.id)
        ids["dan"] = _pupil(s, "Dan", "Split", dt.date(2018, 3, 3), "2", ash.id)
        ids["eve"] = _pupil(s, "Eve", "Alone", dt.date(2018, 6, 6), "2", ash.id)
        mum = _contact(s, "Mrs", "Jo", "Example", "4 Elm Road\nExamplebury", "EX1 4CD")
        dad = _contact(s, "Mr", "Lee", "Example", "4 Elm Road\nExamplebury", "EX1 4CD")
        for kid in ("amy", "ben"):
            _link(s, ids[kid], mum, priority=1)
            _link(s, ids[kid], dad, priority=2)
        cara_mum = _contact(s, "Ms", "Kim", "Other", "9 Ash Close\nExamplebury", "EX2 1AA")
        cara_dad = _contact(s, "Mr", "Ian", "Faraway", "77 Far Street\nElsewhere", "EL9 9ZZ")
        _link(s, ids["cara"], cara_mum)
        _link(s, ids["cara"], cara_dad, lives=False, priority=2)
        gran = _contact(s, "Mrs", "Pat", "Other", "9 Ash Close\nExamplebury", "EX2 1AA")
        _link(s, ids["cara"], gran, pr=False, priority=3)
        d1 = _contact(s, "Mr", "Al", "Split", "1 North Way\nExamplebury", "EX3 1AA")
        d2 = _contact(s, "Ms", "Bo", "Split", "2 South Way\nExamplebury", "EX3 2BB")
        _link(s, ids["dan"], d1)
        _link(s, ids["dan"], d2, priority=2)
        aunt = _contact(s, "Ms", "Fay", "Alone", "5 Lane\nExamplebury", "EX4 1AA")
        _link(s, ids["eve"], aunt, pr=False)
        # Marks for every open session of Autumn 2 up to 20 November.
        cal = calendar_service.read_calendar(s)
        special = {
            ids["amy"]: {(dt.date(2025, 11, 10), "AM"): "I", (dt.date(2025, 11, 10), "PM"): "I",
                         (dt.date(2025, 11, 4), "AM"): "L", (dt.date(2025, 11, 5), "AM"): "L",
                         (dt.date(2025, 11, 12), "AM"): "L"},
            ids["cara"]: {(dt.date(2025, 11, d), ses): "O" for d in (13, 14)
                          for ses in ("AM", "PM")},
        }
        day = dt.date(2025, 11, 3)
        while day <= TODAY:
            for ses in ("AM", "PM"):
                if cal.is_open(day, ses):
                    for pid in ids.values():
                        code = special.get(pid, {}).get((day, ses), "/")
                        s.add(Mark(pupil_id=pid, date=day, session=ses, code=code,
                                   minutes_late=10 if code == "L" else None, source="test"))
            day += dt.timedelta(days=1)
    return ids


def pdf_text(pdf: bytes) -> str:
    """The text a reader sees, with line breaks and runs of spaces made single spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def school(engine: Engine, built_once) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return built_once(engine, build_school)  # type: ignore[no-any-return]


# --- merge and figures --------------------------------------------------------------------


def _band_on_running_period(engine: Engine) -> None:
    """These letters quote the half term under way (the school bands on the current one)."""
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, policy.replace(band_period="current"))


def test_concern_letter_names_figures_and_addressee(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    _band_on_running_period(engine)
    pdf = letter_layout.render_family_letter(engine, "concern_lower_amber", [school["amy"]],
                                              today=TODAY)
    text = pdf_text(pdf)
    assert "Dear Mrs and Mr Example" in text
    assert "4 Elm Road" in text
    assert "EX1 4CD" in text
    assert "Amy Example" in text
    assert "Oak" in text
    assert "92.9%" in text  # 26 of 28 sessions
    assert "missed 2 sessions" in text
    assert "Lower amber" in text
    assert "Hillside Primary School" in text
    assert "01234 567890" in text
    assert "Ms Rowan Ashby" in text
    assert "20 November 2025" in text
    assert "Autumn 2" in text


def test_policy_numbers_come_from_the_settings(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, policy.replace(
        target_pct=97.0, pn_first_amount=175, pn_discount_amount=90, pn_discount_days=20,
        leave_notice_amount=4, leave_notice_unit="school_weeks"))
    refused = pdf_text(letter_layout.render_family_letter(
        engine, "leave_refused", [school["amy"]], today=TODAY, extra=EXTRAS))
    assert "£90 if paid within 20 days" in refused
    assert "£175" in refused
    assert "(code G)" in refused
    assert "penalty notice" in refused
    form = pdf_text(letter_layout.render_family_letter(
        engine, "leave_request_form", [school["amy"]], today=TODAY))
    assert "4 school weeks" in form
    amber = pdf_text(letter_layout.render_family_letter(
        engine, "concern_upper_amber", [school["amy"]], today=TODAY))
    assert "97% or more" in amber


def test_every_ready_made_letter_renders(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    for key in letter_templates.LETTER_KEYS:
        pdf = letter_layout.render_family_letter(
            engine, key, [school["amy"], school["ben"]], today=TODAY, extra=EXTRAS)
        text = pdf_text(pdf)
        assert "Amy" in text, key
        for leftover in ("{", "}", "[[", "**"):
            assert leftover not in text, key
        assert pdf_pages(pdf) >= 1


def test_family_report_puts_siblings_in_one_letter(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    _band_on_running_period(engine)
    pdf = letter_layout.render_family_letter(
        engine, "half_termly_report", [school["ben"], school["amy"]], today=TODAY)
    text = pdf_text(pdf)
    assert pdf_pages(pdf) == 1
    assert "report for Amy and Ben for Autumn 2" in text
    assert "Amy Example" in text
    assert "Ben Example" in text
    assert "92.9%" in text
    assert "100.0%" in text
    # a letter that is not a family letter gives each child their own pages
    pdf = letter_layout.render_family_letter(
        engine, "concern_lower_amber", [school["amy"], school["ben"]], today=TODAY)
    assert pdf_pages(pdf) == 2


def test_missing_caller_values_are_named(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError, match="leave dates"):
        letter_layout.render_family_letter(engine, "leave_granted", [school["amy"]],
                                             today=TODAY)
    assert "extra:leave_dates" in template_store.inputs_needed(engine, "leave_granted")
    assert "meeting_date" in template_store.inputs_needed(engine, "attendance_panel_invite")


# --- families and addressing ------------------------------------------------------------------


def test_plan_groups_siblings_and_addresses_parents_who_live_with_them(engine, school) -> None:  # type: ignore[no-untyped-def]
    plan = letter_plans.plan_batch(engine, "half_termly_report", list(school.values()),
                                     today=TODAY)
    by_child = {n: x for x in plan.letters for n in x.pupil_names}
    assert by_child["Amy Example"] is by_child["Ben Example"]
    assert by_child["Amy Example"].addressee == "Mrs and Mr Example"
    # Cara's father has parental responsibility but lives elsewhere; gran has none
    cara = by_child["Cara Other"]
    assert cara.addressee == "Ms Other"
    assert cara.salutation == "Dear Ms Other"
    assert "9 Ash Close" in cara.address_lines
    # Dan's parents both live with him at different addresses: a letter to each home
    dans = [x for x in plan.letters if "Dan Split" in x.pupil_names]
    assert sorted(x.addressee for x in dans) == ["Mr Split", "Ms Split"]
    # Eve has no one with parental responsibility at home: flagged, addressed generally
    eve = by_child["Eve Alone"]
    assert eve.salutation == "Dear Parent or Carer"
    assert eve.warnings
    assert len(plan.letters) == 5


def test_concern_letters_are_one_per_child(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    # guard=False: one letter per child whatever the band (the guard rails: test_letter_rules)
    plan = letter_plans.plan_batch(engine, "concern_lower_amber",
                                     [school["amy"], school["ben"]], today=TODAY, guard=False)
    assert [x.pupil_names for x in plan.letters] == [("Amy Example",), ("Ben Example",)]


def test_salutation_rules() -> None:
    p = letter_facts._Person
    same = [p(1, "Mr", "A", "Example", "", "", 1), p(2, "Mrs", "B", "Example", "", "", 2)]
    assert letter_facts.parent_names(same) == "Mr and Mrs Example"
    mixed = [p(1, "Ms", "A", "Example", "", "", 1), p(2, "Mr", "B", "Other", "", "", 2)]
    assert letter_facts.parent_names(mixed) == "Ms Example and Mr Other"
    untitled = [p(1, "", "Jo", "Example", "", "", 1)]
    assert letter_facts.parent_names(untitled) == "Jo Example"
    assert letter_facts.parent_names([], for_greeting=True) == "Parent or Carer"


# --- batches, the log and repeats ----------------------------------------------------------------


def _run(engine, plan, out_dir, **kw):  # type: ignore[no-untyped-def]
    gen = letter_service.run_batch(engine, kw.pop("actor", OFFICE), plan, today=TODAY,
                                   out_dir=out_dir,
                                   cancel=kw.pop("cancel", CancelToken()), **kw)
    steps = []
    try:
        while True:
            steps.append(next(gen))
    except StopIteration as stop:
        return stop.value, steps


def test_batch_writes_letters_and_logs_them(engine: Engine, school, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = letter_plans.plan_batch(engine, "half_termly_report", list(school.values()),
                                     today=TODAY)
    result, steps = _run(engine, plan, tmp_path)
    assert result.letters_made == 5
    assert len(result.letter_pdfs) == 5
    assert steps[-1].done == steps[-1].total == 5
    combined = result.combined_pdf.read_bytes()
    assert pdf_pages(combined) == 5
    text = pdf_text(combined)
    assert "Dear Mrs and Mr Example" in text
    assert "Dear Ms Other" in text
    log = letter_service.letters_for_pupil(engine, school["ben"])
    assert len(log) == 1
    assert log[0].addressee == "Mrs and Mr Example"
    assert log[0].pupil_names == "Amy Example and Ben Example"
    assert log[0].staff_name == OFFICE.name
    assert log[0].sent_on == TODAY
    stored = letter_service.letter_pdf(engine, log[0].id)
    assert "Amy Example" in pdf_text(stored)
    assert len(letter_service.list_letters(engine, template_key="half_termly_report")) == 5
    assert letter_service.list_letters(engine, template_key="concern_red") == []


def test_same_letter_within_the_repeat_period_needs_confirming(engine, school, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _band_on_running_period(engine)
    plan = letter_plans.plan_batch(engine, "concern_lower_amber", [school["amy"]],
                                     today=TODAY)
    assert plan.repeats == ()
    _run(engine, plan, tmp_path)
    again = letter_plans.plan_batch(engine, "concern_lower_amber",  # Cara is red
                                      [school["amy"], school["cara"]], today=TODAY,
                                      include={school["cara"]: "wanted the amber wording"})
    assert [x.pupil_names for x in again.repeats] == [("Amy Example",)]
    assert again.repeats[0].repeat_of == TODAY
    result, _ = _run(engine, again, tmp_path, actor=HEAD)  # repeats left out unless confirmed
    assert result.letters_made == 1
    assert result.skipped_repeats == 1
    result, _ = _run(engine, again, tmp_path, include_repeats=True, actor=HEAD)
    assert result.letters_made == 2
    # after the policy's period it is no longer a repeat
    days = policy_service.load_policy(engine).letter_repeat_days
    later = letter_plans.plan_batch(engine, "concern_lower_amber", [school["amy"]],
                                      today=TODAY + dt.timedelta(days=days + 1))
    assert later.repeats == ()
    # a different letter is not a repeat
    other = letter_plans.plan_batch(engine, "concern_red", [school["amy"]], today=TODAY)
    assert other.repeats == ()


def test_cancelled_batch_records_nothing(engine: Engine, school, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = letter_plans.plan_batch(engine, "concern_upper_amber", list(school.values()),
                                     today=TODAY, guard=False)
    token = CancelToken()
    out = tmp_path / "letters"
    gen = letter_service.run_batch(engine, OFFICE, plan, today=TODAY, out_dir=out,
                                   cancel=token)
    next(gen)
    next(gen)  # one letter made
    token.cancel()
    with pytest.raises(Cancelled):
        next(gen)
    with session_scope(engine) as s:
        assert s.exec(select(LetterLog)).all() == []
    assert not out.exists() or list(out.iterdir()) == []


def test_only_office_and_head_send_letters(engine: Engine, school, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = letter_plans.plan_batch(engine, "concern_red", [school["cara"]], today=TODAY)
    teacher = Actor("A Teacher", Role.TEACHER)
    with pytest.raises(PermissionDenied):
        next(letter_service.run_batch(engine, teacher, plan, today=TODAY, out_dir=tmp_path,
                                      cancel=CancelToken()))


def test_record_letter_for_other_services(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    log_id, pdf = letter_service.record_letter(
        engine, HEAD, "leave_granted", [school["amy"]], today=TODAY, extra=EXTRAS)
    assert "2 to 6 March 2026" in pdf_text(pdf)
    assert letter_service.letter_pdf(engine, log_id) == pdf
    assert letter_service.letters_for_pupil(engine, school["amy"])[0].id == log_id
    assert letter_service.letters_for_pupil(engine, school["cara"]) == []


# --- templates ------------------------------------------------------------------------


def test_template_with_unknown_field_is_refused(engine: Engine) -> None:
    before = template_store.get_template(engine, "concern_red")
    with pytest.raises(ServiceError, match=r"\{forname\} is not a merge field"):
        template_store.save_template(engine, OFFICE, "concern_red", "Dear {forname},")
    assert template_store.get_template(engine, "concern_red").body == before.body


def test_template_edit_is_used_recorded_and_reset(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    body = "{salutation},\n\nPlease come and see us about {forename}. {extra:note}\n\n" \
           "[[signature]]"
    info = template_store.save_template(engine, OFFICE, "concern_red", body)
    assert not info.is_default
    assert info.updated_by == OFFICE.name
    assert info.inputs == ("extra:note",)
    text = pdf_text(letter_layout.render_family_letter(
        engine, "concern_red", [school["cara"]], today=TODAY, extra={"note": "Thank you."}))
    assert "Please come and see us about Cara. Thank you." in text
    with session_scope(engine) as s:
        change = s.exec(select(SettingChange).where(SettingChange.area == "letters")).one()
        assert change.staff_name == OFFICE.name
        assert "Please come and see us" in change.new_value
    reset = template_store.reset_template(engine, HEAD, "concern_red")
    assert reset.is_default
    assert reset.body == letter_templates.DEFAULTS["concern_red"].body


def test_family_template_refuses_one_childs_figures(engine: Engine) -> None:
    with pytest.raises(ServiceError, match="one child's detail"):
        template_store.save_template(engine, OFFICE, "half_termly_report",
                                     "{salutation}, {attendance_pct}")


def test_readonly_staff_cannot_edit_templates(engine: Engine) -> None:
    with pytest.raises(PermissionDenied):
        template_store.save_template(engine, Actor("R", Role.READONLY), "concern_red", "Hi")


def test_letters_work_without_term_dates(engine: Engine) -> None:
    ids = build_school(engine, with_year=False)
    text = pdf_text(letter_layout.render_family_letter(engine, "concern_upper_amber",
                                                        [ids["amy"]], today=TODAY))
    assert "Amy Example" in text
    assert "2025/26" in text


def test_blank_leave_request_form_has_the_policy_and_no_child(engine: Engine) -> None:
    pdf = letter_layout.render_blank_form(engine, "leave_request_form",
                                           today=dt.date(2025, 11, 20))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Request for leave of absence in term time" in text
    assert "at least" in text
    assert "2 weeks" in text  # the policy's notice period, not a constant
    assert "Child's name" in text
    assert "______%" in text  # the school-use figures are left to write in
    with pytest.raises(ServiceError, match="not a form"):
        letter_layout.render_blank_form(engine, "concern_red", today=dt.date(2025, 11, 20))
