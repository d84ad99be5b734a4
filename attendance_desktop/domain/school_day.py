"""Which register a moment belongs to, written once for the kiosk, Today and the register."""

from __future__ import annotations

import datetime as dt

from attendance_desktop.domain.policy import Policy


def session_at(policy: Policy, when: dt.datetime) -> str:
    """"AM" until the afternoon register opens for marking, "PM" from then on."""
    return "AM" if when.time() < policy.pm.marking_starts else "PM"
