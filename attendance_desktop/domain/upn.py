"""Unique Pupil Numbers: format, check letter, temporary UPNs, local-authority warnings.

The rules are the DfE's UPN data standard (Unique Pupil Number v2.0, the government
data standards catalogue; restated in the DfE guide "Unique pupil numbers (UPNs)" and the
school census validations 1510-1560):

* 13 characters: a check letter, the 3-digit LA number (characters 2-4), the 4-digit
  establishment number (5-8), the last two digits of the year of issue (9-10) and a
  3-digit serial (11-13).
* A temporary UPN (given while the permanent one is not yet known) has a 2-digit serial
  and a LETTER as character 13.
* The check letter: characters 2-13 weighted 2..13 (a temporary UPN's final letter
  counts as its value in the letter table), summed, modulo 23, then 0-22 -> A-Z without
  I, O and S. The final letter of a temporary UPN comes from the same 23 letters.

An LA number that is not on the DfE's list (domain.la_codes) is a warning, never a
refusal: councils are created more often than software is updated.
"""

from __future__ import annotations

from attendance_desktop.domain import la_codes

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: A-Z without I, O, S


def normalise(value: str) -> str:
    """Upper case without spaces (the form stored and compared)."""
    return "".join(value.split()).upper()


def _value(ch: str) -> int:
    return int(ch) if ch.isdigit() else LETTERS.index(ch)


def check_letter(body12: str) -> str:
    """The check letter for characters 2-13."""
    return LETTERS[sum(w * _value(c) for w, c in enumerate(body12, start=2)) % 23]


def problem(value: str) -> str | None:
    """Why a UPN is invalid (format or check letter), or None when it is valid."""
    upn = normalise(value)
    shown = f"UPN '{value.strip()}' is not valid:"
    if len(upn) != 13:
        return f"{shown} it has {len(upn)} characters, not 13"
    if not upn[1:12].isascii() or not upn[1:12].isdigit():
        return f"{shown} characters 2-12 must all be digits"
    last = upn[12]
    if not (last.isascii() and last.isdigit()) and last not in LETTERS:
        return (f"{shown} the last character must be a digit (or, in a temporary UPN, a "
                "letter other than I, O or S)")
    if upn[0] not in LETTERS:
        return f"{shown} the first character must be the check letter (A-Z but not I, O or S)"
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        return (f"{shown} the check letter does not match the other characters (it "
                f"should be {expected}, not {upn[0]})")
    return None


def is_valid(value: str) -> bool:
    return problem(value) is None


def is_temporary(value: str) -> bool:
    """A valid UPN whose 13th character is a letter (DfE: a temporary UPN)."""
    upn = normalise(value)
    return is_valid(upn) and upn[12] in LETTERS


def la_number(value: str) -> int | None:
    upn = normalise(value)
    return int(upn[1:4]) if len(upn) == 13 and upn[1:4].isdigit() else None


def warnings(value: str) -> list[str]:
    """What staff should know about a VALID UPN (saved all the same): a temporary UPN, or
    an LA number missing from the DfE list this copy of the app carries."""
    if not is_valid(value):
        return []
    upn = normalise(value)
    out = []
    if is_temporary(upn):
        out.append(f"UPN {upn} is a temporary UPN (it ends in a letter): replace it with the "
                   "permanent UPN when the previous school's CTF or the LA gives it")
    la = la_number(upn)
    if la is not None and la not in la_codes.KNOWN:
        out.append(f"UPN {upn}: characters 2-4 ({la:03d}) are not on the DfE's list of "
                   f"local authority numbers ({la_codes.AS_OF:%d %B %Y}); it is accepted, but "
                   "check it with the school or LA that issued it")
    return out


def with_check_letter(body12: str) -> str:
    """Complete a 12-character UPN body (LA code, school, year, serial) with its check letter."""
    body = normalise(body12)[-12:]
    return check_letter(body) + body
