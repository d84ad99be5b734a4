"""The ready-made texts, the merge-field list and the template checker (no database)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from attendance_desktop.services.letters.letter_templates import DEFAULTS, LETTER_KEYS
from attendance_desktop.services.letters.template_syntax import (
    CHILD_FIELDS,
    MERGE_FIELDS,
    check_template,
    extras_in,
    inputs_needed,
    substitute,
)
from attendance_desktop.services.pdf import composer, letterhead, pdf_canvas

REQUIRED_KEYS = {
    "concern_upper_amber", "concern_lower_amber", "concern_red", "concern_vale_92",
    "monitoring_warning", "improved_better_band", "improved_still_concern",
    "not_improved_meeting", "lateness_warning", "lateness_written_warning",
    "lateness_panel_invite", "attendance_panel_invite", "attendance_contract",
    "first_day_absence", "explanation_request", "signed_letter_request", "final_warning",
    "leave_request_form", "leave_granted", "leave_refused", "certificate_full",
    "certificate_outstanding", "certificate_personal_target", "half_termly_report",
}


def test_every_letter_the_policies_name_is_ready_made() -> None:
    assert set(LETTER_KEYS) >= REQUIRED_KEYS
    for key, t in DEFAULTS.items():
        assert t.key == key
        assert t.title.strip()
        assert t.description.strip(), key
        assert t.layout in ("letter", "form", "certificate")


def test_ready_made_texts_pass_their_own_checker() -> None:
    for key, t in DEFAULTS.items():
        assert check_template(t.body, family=t.family) == [], key


def test_no_policy_number_is_written_into_a_text() -> None:
    # thresholds, notice periods and amounts come from fields such as {target_pct}
    for key, t in DEFAULTS.items():
        body = re.sub(r"\{[^}]*\}|\[\[[^\]]*\]\]", "", t.body).replace("100%", "")
        assert not re.search(r"£\s*\d|\d+\s*%|\d+\s+(?:school\s+)?(?:days|weeks)", body), key


def test_letters_to_families_are_signed_and_greet_the_parents() -> None:
    for key, t in DEFAULTS.items():
        if t.layout == "letter":
            assert "{salutation}," in t.body, key
            assert "[[signature" in t.body, key


def test_contract_has_the_atlp_appendix_2_fields() -> None:
    body = DEFAULTS["attendance_contract"].body.lower()
    for label in ("date of meeting", "venue", "child", "date of birth", "address",
                  "parents / carers", "present", "needs discussed", "actions agreed",
                  "target", "timescale", "review date", "[[sign:"):
        assert label in body, label


def test_refused_leave_explains_what_happens_if_taken_anyway() -> None:
    body = DEFAULTS["leave_refused"].body
    assert "code G" in body
    assert "penalty notice" in body
    assert "{pn_first_amount}" in body


def test_checker_names_unknown_fields_and_broken_blocks() -> None:
    problems = check_template("Dear {salutaton},\n\nHello {forename}. [[signature]]\n"
                              "[[sig]]\n{extra:Leave}")
    text = " | ".join(problems)
    assert "{salutaton} is not a merge field (did you mean {salutation}?)" in text
    assert "line 3: a block like [[signature]] must be on a line of its own" in text
    assert "line 4: [[sig]] is not a block" in text
    assert "{extra:Leave}" in text
    assert check_template("") == ["the letter has no text"]
    assert any("brackets" in p for p in check_template("Hello {forename"))


def test_family_letters_refuse_one_childs_figures() -> None:
    assert check_template("{salutation}, {attendance_pct}", family=False) == []
    problems = check_template("{salutation}, {attendance_pct}", family=True)
    assert problems
    assert "one child's detail" in problems[0]
    assert set(MERGE_FIELDS) >= CHILD_FIELDS


def test_extras_and_inputs() -> None:
    body = "{meeting_date} {extra:leave_dates} {extra:leave_dates} {extra:reasons}"
    assert extras_in(body) == ["leave_dates", "reasons"]
    assert inputs_needed(body) == ["meeting_date", "extra:leave_dates", "extra:reasons"]
    assert substitute("Hi {forename} {nope}", {"forename": "Amy"}) == "Hi Amy {nope}"


def test_a_long_school_name_wraps_instead_of_being_cut() -> None:
    head = letterhead.Letterhead("Saint Bartholomew and All Angels Church of England Voluntary "
                                 "Aided Primary School", "1 Long Road\nTown", "AB1 2CD", "01234")
    comp = composer.Composer(head)
    comp.paragraph("Dear **Parent**, hello.")
    pdf = pdf_canvas.render_pdf([comp.pages], head, "test")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
                    .split())
    assert "Voluntary Aided Primary School" in text
    assert "…" not in text
    assert "Dear Parent, hello." in text
