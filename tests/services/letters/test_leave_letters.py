"""Leave letters after a decision: a part grant lists the dates agreed and not agreed and
why; refused-and-taken is written after the event (past tense) with the consequence; a
letter for leave taken without permission. Read back from the PDF as a parent sees it."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain import leave as rules
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.leave import leave_decisions, leave_reads, leave_requests
from attendance_desktop.services.letters import (
    letter_layout,
    letter_templates,
    template_store,
)
from attendance_desktop.services.pupils import class_service, pupil_contacts, pupil_service
from attendance_desktop.services.pupils.pupil_contacts import ContactInput, LinkInput
from attendance_desktop.services.pupils.pupil_service import PupilInput
from tests.conftest import HEAD, OFFICE
from tests.services.leave.test_leave_service import req
from tests.services.letters.test_letter_service import pdf_text

D = dt.date
NOW = dt.datetime(2025, 11, 20, 10, 0)


@pytest.fixture
def pupil(engine, school_year) -> int:  # type: ignore[no-untyped-def]
    oak = class_service.save_class(engine, HEAD, "Oak")
    pid = pupil_service.add_pupil(engine, OFFICE, PupilInput(
        legal_forename="Tilly", legal_surname="Brook", dob=D(2016, 5, 4), year_group="4",
        admission_date=D(2022, 9, 5), class_id=oak), NOW.date())
    pupil_contacts.add_contact(engine, OFFICE, pid, ContactInput(
        surname="Brook", forename="Sam", title="Ms", address="4 Elm Road", postcode="EX1 4CD"),
        LinkInput(relationship="Mother"))
    return pid


def _letter(engine, key: str, pupil: int, extra: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    pdf = letter_layout.render_family_letter(engine, key, [pupil], today=NOW.date(),
                                              extra=extra)
    return pdf_text(pdf)


def test_part_grant_lists_the_dates_agreed_and_not_agreed_and_why(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(pupil, D(2025, 12, 1),
                                                            D(2025, 12, 5)), now=NOW)
    with pytest.raises(ServiceError, match="why the other dates"):
        leave_decisions.decide(engine, HEAD, rid, "part_granted", decided_on=NOW.date(),
                               now=NOW, granted_first=(D(2025, 12, 1), "AM"),
                               granted_last=(D(2025, 12, 2), "PM"))
    leave_decisions.decide(engine, HEAD, rid, "part_granted", decided_on=NOW.date(), now=NOW,
                           granted_first=(D(2025, 12, 1), "AM"),
                           granted_last=(D(2025, 12, 2), "PM"),
                           reasons="Wednesday to Friday is the Year 4 multiplication check.")
    extra = leave_reads.letter_extra(engine, rid)
    assert extra["dates_granted"] == "Monday 1 December 2025 to Tuesday 2 December 2025"
    assert extra["dates_refused"] == "Wednesday 3 December 2025 to Friday 5 December 2025"
    assert extra["sessions_refused"] == "6 school sessions (3 school days)"
    text = _letter(engine, "leave_part_granted", pupil, extra)
    assert ("Dates agreed: Monday 1 December 2025 to Tuesday 2 December 2025 (4 school"
            " sessions (2 school days))") in text
    assert ("Dates not agreed: Wednesday 3 December 2025 to Friday 5 December 2025 (6 school"
            " sessions (3 school days))") in text
    assert ("Why the other dates are not agreed: Wednesday to Friday is the Year 4"
            " multiplication check.") in text
    assert "back in school on Wednesday 03 December 2025 (morning)" in text
    assert "Dear Ms Brook" in text


def test_refused_and_taken_is_in_the_past_tense_with_the_consequence(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    rid = leave_requests.submit_request(engine, OFFICE, req(
        pupil, D(2025, 11, 10), D(2025, 11, 14), received_date=D(2025, 10, 1),
        reason="Family holiday"), now=NOW)
    leave_decisions.decide(engine, HEAD, rid, "refused", reasons="A holiday is not an"
                           " exceptional circumstance.", decided_on=D(2025, 10, 2),
                           now=dt.datetime(2025, 10, 2, 9, 0))
    leave_decisions.mark_taken_unauthorised(engine, OFFICE, rid, now=NOW)
    extra = leave_reads.letter_extra(engine, rid)
    assert extra["dates_taken"] == "Monday 10 November 2025 to Friday 14 November 2025"
    text = _letter(engine, "leave_refused_taken", pupil, extra)
    assert "On 02 October 2025 I wrote to tell you that I could not agree" in text
    assert "I explained why: A holiday is not an exceptional circumstance." in text
    assert ("Tilly was not in school on Monday 10 November 2025 to Friday 14 November 2025:"
            " 10 school sessions (5 school days)") in text
    assert "these absences have been recorded as unauthorised (code G" in text
    assert "may be referred to the local authority for a penalty notice" in text
    assert "£80 if paid within 21 days" in text
    # nothing in the future tense about the dates that have passed
    assert "If Tilly is absent on these dates" not in text
    assert "will be recorded" not in text


def test_leave_taken_without_permission_letter(engine, pupil) -> None:  # type: ignore[no-untyped-def]
    assert "leave_without_permission" in letter_templates.LETTER_KEYS
    assert template_store.inputs_needed(engine, "leave_without_permission") == [
        "extra:absence_dates"]
    with pytest.raises(ServiceError):
        letter_layout.render_family_letter(engine, "leave_without_permission", [pupil],
                                            today=NOW.date())
    text = _letter(engine, "leave_without_permission", pupil,
                   {"absence_dates": "Monday 10 to Friday 14 November 2025"})
    assert "Leave taken without permission: Tilly Brook, Oak" in text
    assert "Tilly was absent from school on Monday 10 to Friday 14 November 2025." in text
    assert "We did not receive a request for leave of absence" in text
    assert "recorded as unauthorised (code G" in text
    assert "penalty notice" in text


def test_slots_text_groups_runs_and_names_half_days() -> None:
    open_ = [(D(2025, 12, d), s) for d in (1, 2, 3, 4, 5) for s in ("AM", "PM")]
    assert rules.slots_text([(D(2025, 12, 1), "PM"), (D(2025, 12, 2), "AM")], open_) == (
        "Monday 1 December 2025 (afternoon) to Tuesday 2 December 2025 (morning)")
    assert rules.slots_text([(D(2025, 12, 1), "AM"), (D(2025, 12, 1), "PM"),
                             (D(2025, 12, 3), "AM")], open_) == (
        "Monday 1 December 2025 and Wednesday 3 December 2025 (morning)")
    plan = rules.plan_g_step([(D(2025, 12, 1), "AM"), (D(2025, 12, 1), "PM"),
                              (D(2025, 12, 2), "AM"), (D(2025, 12, 2), "PM")],
                             {(D(2025, 12, 1), "AM"): "N", (D(2025, 12, 1), "PM"): "I",
                              (D(2025, 12, 2), "AM"): "/"})
    assert [c.action for c in plan] == ["change", "confirm", "keep", "change"]
    assert plan[1].text == "Mon 1 Dec AM: I → G".replace("AM", "PM")
