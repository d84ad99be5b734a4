"""Unique Pupil Number validation (13 characters with a check letter)."""

from __future__ import annotations

from stdnum.exceptions import InvalidComponent, ValidationError
from stdnum.gb import upn as _upn


def normalise(value: str) -> str:
    return _upn.compact(value)


def problem(value: str) -> str | None:
    """Why a UPN is invalid, or None when it is valid."""
    try:
        _upn.validate(value)
    except InvalidComponent:
        return (f"UPN '{value}' is not valid: characters 2-4 are not a known local authority"
                " number")
    except ValidationError as exc:
        text = str(exc.message).rstrip(".")
        return f"UPN '{value}' is not valid: {text[0].lower()}{text[1:]}"
    return None


def is_valid(value: str) -> bool:
    return problem(value) is None


def with_check_letter(body12: str) -> str:
    """Complete a 12-character UPN body (LA code, school, year, serial) with its check letter."""
    return _upn.calc_check_digit(body12[-12:]) + body12[-12:]
