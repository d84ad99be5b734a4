from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import Category, CodeError

NEW = dt.date(2024, 8, 19)
BEFORE = dt.date(2024, 8, 16)


@pytest.mark.parametrize(
    ("code", "category", "possible"),
    [
        ("/", Category.PRESENT, True),
        ("\\", Category.PRESENT, True),
        ("L", Category.PRESENT, True),
        ("K", Category.APPROVED, True),
        ("V", Category.APPROVED, True),
        ("P", Category.APPROVED, True),
        ("W", Category.APPROVED, True),
        ("B", Category.APPROVED, True),
        ("C", Category.AUTHORISED, True),
        ("C1", Category.AUTHORISED, True),
        ("C2", Category.AUTHORISED, True),
        ("E", Category.AUTHORISED, True),
        ("I", Category.AUTHORISED, True),
        ("J1", Category.AUTHORISED, True),
        ("M", Category.AUTHORISED, True),
        ("R", Category.AUTHORISED, True),
        ("S", Category.AUTHORISED, True),
        ("T", Category.AUTHORISED, True),
        ("G", Category.UNAUTHORISED, True),
        ("N", Category.UNAUTHORISED, True),
        ("O", Category.UNAUTHORISED, True),
        ("U", Category.UNAUTHORISED, True),
        ("D", Category.NOT_COUNTED, False),
        ("X", Category.NOT_COUNTED, False),
        ("Q", Category.NOT_COUNTED, False),
        ("Y1", Category.NOT_COUNTED, False),
        ("Y4", Category.NOT_COUNTED, False),
        ("Y7", Category.NOT_COUNTED, False),
        ("Z", Category.NOT_COUNTED, False),
        ("#", Category.NOT_COUNTED, False),
    ],
)
def test_2024_codes_have_the_national_category(code, category, possible):
    found = codes.validate(code, NEW)
    assert found.category is category
    assert found.possible is possible


def test_the_full_2024_set_is_present():
    valid = {c.code for c in codes.codes_valid_on(NEW)}
    expected = set("/\\LKVPWBDCEIMRSTXQGNOUZ#") | {"C1", "C2", "J1"} | {
        f"Y{i}" for i in range(1, 8)}
    assert valid == expected


@pytest.mark.parametrize("old", ["H", "J", "Y"])
def test_withdrawn_codes_are_accepted_only_before_19_august_2024(old):
    assert codes.validate(old, BEFORE).code == old
    with pytest.raises(CodeError, match="withdrawn on 19 August 2024"):
        codes.validate(old, NEW)


@pytest.mark.parametrize("new", ["K", "C1", "C2", "J1", "Q", "Y1", "Y7"])
def test_new_codes_are_refused_before_they_existed(new):
    with pytest.raises(CodeError, match="only exists from 19 August 2024"):
        codes.validate(new, BEFORE)


def test_old_interview_code_j_counted_as_approved_activity():
    assert codes.lookup("J").category is Category.APPROVED
    assert codes.lookup("J1").category is Category.AUTHORISED


def test_unknown_code_is_refused_with_its_name():
    with pytest.raises(CodeError, match="'A' is not a national attendance code"):
        codes.lookup("A")


def test_lower_case_is_accepted():
    assert codes.validate("l", NEW).code == "L"
    assert codes.validate("y4", NEW).code == "Y4"


def test_y7_needs_a_reason_and_activity_codes_need_a_note():
    with pytest.raises(CodeError, match="reason"):
        codes.check_note(codes.lookup("Y7"), "")
    codes.check_note(codes.lookup("Y7"), "Staggered start")
    for code in "BKPVW":
        with pytest.raises(CodeError, match="activity"):
            codes.check_note(codes.lookup(code), "  ")
    codes.check_note(codes.lookup("V"), "Museum trip")
    codes.check_note(codes.lookup("I"), "")


def test_present_code_depends_on_session():
    assert codes.present_code("AM") == "/"
    assert codes.present_code("PM") == "\\"


def test_every_code_has_a_tooltip_with_meaning_and_category():
    for c in codes.CODES.values():
        assert c.meaning in c.tooltip
        assert c.category.label in c.tooltip
