"""Small wording helpers for messages people read."""

from __future__ import annotations


def counted(n: int, one: str, many: str) -> str:
    """'1 register entry', '2 register entries', '1,204 leavers'."""
    return f"{n:,} {one if n == 1 else many}"
