"""Spreadsheet-safe CSV cells (CSV or "formula" injection, as OWASP describes it).

A spreadsheet treats a cell that starts with `=`, `+`, `-` or `@` as a formula, and a
leading tab or carriage return can hide one; a pupil's name or a comment such as
`=HYPERLINK("http://x","y")` would run when the office opens the file. Every CSV the app
writes passes its cells through `safe_cell`, which puts an apostrophe in front (the
spreadsheet then shows the text as typed). Our own imports undo exactly that with
`restore_cell` (also named `unsafe_cell`), so an exported file can be imported again
unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
FORMULA_STARTS = DANGEROUS_FIRST


def safe_cell(value: object) -> str:
    """The value as CSV cell text, with a leading apostrophe when it could start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


def safe_row(values: Iterable[object]) -> list[str]:
    """safe_cell over a row."""
    return [safe_cell(v) for v in values]


def restore_cell(text: str) -> str:
    """Undo safe_cell: drop the apostrophe only when it guards a dangerous first character
    (an apostrophe typed before anything else is kept)."""
    if text.startswith("'") and text[1:].startswith(DANGEROUS_FIRST):
        return text[1:]
    return text


unsafe_cell = restore_cell
