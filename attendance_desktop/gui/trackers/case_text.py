"""Small texts for the case view: due dates as read aloud, letter titles."""

from __future__ import annotations

import datetime as dt

from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.letters import template_store
from attendance_desktop.services.trackers.alerts_service import DueItem


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
        return str(template_store.letter_title(key))
    except (KeyError, ServiceError):
        return key
