"""UPNs by the DfE's rules: format, check letter, temporary UPNs, LA numbers as warnings."""

from __future__ import annotations

import pytest

from attendance_desktop.domain import la_codes, upn


def test_check_letter_by_hand() -> None:
    # characters 2-13 of P207000016049 weighted 2..13: 2*2 + 7*4 + 1*9 + 6*10 + 4*12 +
    # 9*13 = 266; 266 mod 23 = 13 -> P (A=0 ... H=7, J=8 ... N=12, P=13)
    assert upn.check_letter("207000016049") == "P"
    assert upn.is_valid("P207000016049")
    assert "should be P, not Q" in (upn.problem("Q207000016049") or "")


def test_temporary_upn_example_from_the_standard() -> None:
    # The DfE's example temporary UPN: two-digit serial then a letter (A counts as 0).
    assert upn.is_valid("X00180001701A")
    assert upn.is_temporary("X00180001701A")
    assert not upn.is_temporary(upn.with_check_letter("801201400123"))
    assert any("temporary UPN" in w for w in upn.warnings("X00180001701A"))


@pytest.mark.parametrize(("value", "why"), [
    ("", "0 characters"),
    ("A8012014001234", "14 characters"),
    ("A80120140012", "12 characters"),
    ("A80120A400123", "characters 2-12 must all be digits"),
    ("A80120140012I", "last character"),   # I is never used
    ("A80120140012-", "last character"),
    ("I801201400123", "first character"),  # I is never a check letter
    ("1801201400123", "first character"),
])
def test_format_problems(value: str, why: str) -> None:
    assert why in (upn.problem(value) or "")


def test_lower_case_and_spaces_are_normalised() -> None:
    full = upn.with_check_letter("801201400123")
    assert upn.normalise(f" {full[:4].lower()} {full[4:]} ") == full
    assert upn.is_valid(full.lower())


@pytest.mark.parametrize("la", ["838", "839", "940", "941", "942", "943"])
def test_new_councils_are_valid_with_no_warning(la: str) -> None:
    full = upn.with_check_letter(f"{la}201400123")
    assert upn.problem(full) is None
    assert upn.warnings(full) == []


def test_unknown_la_number_is_a_warning_never_a_problem() -> None:
    full = upn.with_check_letter("999201400123")
    assert upn.problem(full) is None
    assert upn.is_valid(full)
    [warning] = upn.warnings(full)
    assert "(999) are not on the DfE's list" in warning


def test_the_la_list_is_data_with_source_and_date() -> None:
    assert la_codes.SOURCE
    assert la_codes.AS_OF.year >= 2023
    for n in (838, 839, 940, 941, 942, 943, 201, 420, 938):
        assert n in la_codes.CURRENT
    for n in (835, 836, 837, 909, 928):  # abolished, but their UPNs stay valid
        assert n in la_codes.KNOWN
        assert n not in la_codes.CURRENT
    # Every number the older python-stdnum list had is still known.
    stdnum_list = {201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 301,
                   302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315,
                   316, 317, 318, 319, 320, 330, 331, 332, 333, 334, 335, 336, 340, 341,
                   342, 343, 344, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370,
                   371, 372, 373, 380, 381, 382, 383, 384, 390, 391, 392, 393, 394, 420,
                   800, 801, 802, 803, 805, 806, 807, 808, 810, 811, 812, 813, 815, 816,
                   821, 822, 823, 825, 826, 830, 831, 835, 836, 837, 840, 841, 845, 846,
                   850, 851, 852, 855, 856, 857, 860, 861, 865, 866, 867, 868, 869, 870,
                   871, 872, 873, 874, 876, 877, 878, 879, 880, 881, 882, 883, 884, 885,
                   886, 887, 888, 889, 890, 891, 892, 893, 894, 895, 896, 908, 909, 916,
                   919, 921, 925, 926, 928, 929, 931, 933, 935, 936, 937, 938}
    assert stdnum_list <= la_codes.KNOWN
    assert len(la_codes.CURRENT) == 153  # England's councils with education duties
