"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

A cell that begins with = + - @, a tab or a carriage return is written with a leading
apostrophe, which Excel and LibreOffice show as text. Readers of our own files strip it
again with `unsafe_cell`.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as CSV cell text, defused if a spreadsheet could take it for a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unsafe_cell(text: str) -> str:
    """Undo safe_cell: drop the apostrophe it put before a formula character."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
