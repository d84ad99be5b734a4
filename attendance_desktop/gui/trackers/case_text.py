"""Small texts for the case view: due dates as read aloud, letter titles, and the letters
service when this build has it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.trackers.alerts_service import DueItem


def letter_service_module() -> Any | None:
    """The letters service, when this build has it (built by another part of the app)."""
    try:
        from attendance_desktop.services.letters import letter_service
    except ImportError:
        return None
    return letter_service if hasattr(letter_service, "record_letter") else None


def due_text(d: DueItem, on: dt.date) -> str:
    if d.due < on:
        return f"overdue ({d.due:%d %b})"
    if d.due == on:
        return "today"
    return f"{d.due:%a %d %b}"


def letter_title(letters: Any | None, key: str) -> str:
    if not key:
        return ""
    if letters is not None and hasattr(letters, "letter_title"):
        try:
            return str(letters.letter_title(key))
        except (KeyError, ServiceError):
            return key
    return key
