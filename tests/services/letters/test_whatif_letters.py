"""The what-if merge fields in letters (issue 16 point 7)."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.services.letters import (
    letter_layout,
    template_store,
    template_syntax,
)
from attendance_desktop.services.trackers import whatif_service
from tests.conftest import HEAD, clock_at, put_marks
from tests.services.tracker_data import add_pupil, school_days

TODAY = dt.date(2025, 11, 20)
BODY = ("**What if for {forename}**\n\n{salutation},\n\nTarget by the end of term: "
        "{sessions_to_target_term}. Target by the end of the year: {sessions_to_target_year}."
        " Above 90% this term: {sessions_to_90_term}; this year: {sessions_to_90_year}."
        " Absences left: {absences_before_pa}.\n\n[[signature]]")


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_fields_are_registered_as_one_childs_details() -> None:
    for name in template_syntax.WHATIF_FIELDS:
        assert name in template_syntax.MERGE_FIELDS
        assert name in template_syntax.CHILD_FIELDS
    assert template_syntax.check_template(BODY) == []
    # refused in a letter to a family of several children
    assert any("sessions_to_target_term" in p
               for p in template_syntax.check_template(BODY, family=True))


def test_a_letter_carries_the_pupils_figures(engine: Engine, school_year: object) -> None:
    pid = add_pupil(engine, "Ida", "Example", "I100")
    with session_scope(engine) as s:
        p = s.get(Pupil, pid)
        assert p is not None
        p.admission_date = dt.date(2025, 9, 1)
    days = school_days(engine, dt.date(2025, 9, 1), TODAY - dt.timedelta(days=1))
    put_marks(engine, HEAD, [(pid, d, sess, "O" if i < 4 else ("/" if sess == "AM" else "\\"))
                             for i, d in enumerate(days) for sess in ("AM", "PM")])
    clock_at(engine, dt.datetime(2025, 11, 20, 8, 0))
    template_store.save_template(engine, HEAD, "concern_upper_amber", BODY)
    pdf = letter_layout.render_family_letter(engine, "concern_upper_amber", [pid],
                                              today=TODAY)
    text = _text(pdf)
    values = whatif_service.letter_values(engine, [pid], TODAY)[pid]
    for name, value in values.items():
        assert value in text, name
    assert f"Target by the end of term: {values['sessions_to_target_term']}." in text
    assert "{" not in text
    # 8 of 2*len(days) sessions missed: the exact figures from the arithmetic
    w = whatif_service.whatif_for(engine, [pid], TODAY)[pid]
    assert w.so_far.possible == 2 * len(days)
    assert w.so_far.absent == 8
    assert values["absences_before_pa"] == whatif_service.allowed_text(w.year.absences_allowed)


def test_a_blank_form_leaves_lines_to_write_on(engine: Engine, school_year: object) -> None:
    form = BODY.replace("{salutation},", "").replace("[[signature]]", "")
    template_store.save_template(engine, HEAD, "leave_request_form", form)
    text = _text(letter_layout.render_blank_form(engine, "leave_request_form", today=TODAY))
    assert "Target by the end of term: ______." in text
