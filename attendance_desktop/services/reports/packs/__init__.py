"""Termly packs: the governors' pack, the LA termly return and the staff briefing."""

from __future__ import annotations


def one_dp(value: float | None) -> str:
    """A percentage for a CSV cell: one decimal place, blank when there is none."""
    return "" if value is None else f"{value:.1f}"
