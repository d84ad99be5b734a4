"""Leaving the kiosk: only a staff PIN of a role in EXIT_ROLES unlocks it, with a wait
after wrong PINs (the count and the lock are kept in the database)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    KioskGuard,
    Staff,
)
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import auth_service
from attendance_desktop.services.write_lock import write_scope

EXIT_ROLES = frozenset({Role.OFFICE, Role.HEAD, Role.TEACHER})


# --- leaving the kiosk -----------------------------------------------------------------


def can_be_unlocked(engine: Engine) -> bool:
    """Whether any active office, teacher or head account has a PIN to close the kiosk."""
    with session_scope(engine) as s:
        roles = s.execute(select(col(Staff.role)).where(
            col(Staff.active), col(Staff.pin_hash) != "")).all()
    return any(Role(r) in EXIT_ROLES for (r,) in roles)


class ExitLocked(ServiceError):
    def __init__(self, message: str, wait_seconds: int) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class ExitGuard:
    """The kiosk's own slow-down after wrong exit PINs, on top of the per-account one.

    A wrong PIN at the kiosk is tried against every account, so the kiosk also counts
    failures itself and makes the next attempt wait (the same curve as staff sign-in).
    The count lives in the database, so restarting the kiosk does not reset it; the time
    is the application's clock.
    """

    NAME = "exit"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _row(self, s: Session) -> KioskGuard:
        row = s.get(KioskGuard, self.NAME)
        return row if row is not None else KioskGuard(name=self.NAME)

    @property
    def failures(self) -> int:
        with session_scope(self.engine) as s:
            return self._row(s).failures

    def wait_seconds(self) -> int:
        with session_scope(self.engine) as s:
            return self._wait(self._row(s), clock.now(s))

    @staticmethod
    def _wait(row: KioskGuard, now: dt.datetime) -> int:
        if row.locked_until is None or row.locked_until <= now:
            return 0
        return int((row.locked_until - now).total_seconds()) + 1

    def check(self, pin: str) -> Actor | None:
        """The staff member whose PIN this is, or None; raises ExitLocked while waiting."""
        with session_scope(self.engine) as s:
            wait = self._wait(self._row(s), clock.now(s))
        if wait:
            raise ExitLocked(f"Too many wrong PINs: try again in {wait} seconds.", wait)
        actor = auth_service.verify_any_staff_pin(self.engine, pin, EXIT_ROLES)
        with write_scope(self.engine) as s:
            row = self._row(s)
            if actor is not None:
                row.failures, row.locked_until = 0, None
            else:
                row.failures += 1
                delay = auth_service.delay_after(row.failures)
                now = clock.now(s)
                row.locked_until = now + dt.timedelta(seconds=delay) if delay else None
            s.add(row)
        return actor
