"""Small texts for the case view: due dates as read aloud, letter titles."""

from __future__ import annotations

import datetime as dt

from attendance_desktop.services import letter_service
from attendance_desktop.services.alerts_service import DueItem
from attendance_desktop.services.errors import ServiceError


def due_text(d: DueItem, on: dt.date) -> str:
    if d.due < on:
        return f"overdue ({d.due:%d %b})"
    if d.due == on:
        return "today"
    return f"{d.due:%a %d %b}"


def letter_title(key: str) -> str:
    """The letter's title, or its key when the template is gone."""
    if not key:
        return ""
    try:
        return str(letter_service.letter_title(key))
    except (KeyError, ServiceError):
        return key
