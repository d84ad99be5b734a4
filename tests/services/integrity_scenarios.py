"""A small register with marks and an amendment, and the tampering the check must catch,
shared by the SQLite and PostgreSQL tests (each runs the SQL through its own driver,
outside the app, as someone with the file or a database login would)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.register import integrity_service, register_service
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import HEAD
from tests.services import backup_helpers as h

DAY = h.FIRST_DAY  # Mon 08 Sep 2025


@dataclass(frozen=True)
class Register:
    pupils: list[int]
    first: int  # a pupil whose AM mark was amended after the register closed
    first_name: str  # as the check names them: "Forename Surname (UPN ...)"
    amendment_id: int


def build(engine: Engine) -> Register:
    pupils = h.school_with_year(engine)
    h.mark(engine, pupils, DAY, "AM", "/")
    h.mark(engine, pupils, DAY, "PM", "\\")
    first = pupils[0]
    bind_clock(engine, FixedClock(dt.datetime.combine(DAY, dt.time(15, 0))))
    register_service.apply_changes(engine, HEAD, [MarkChange(first, DAY, "AM", "L", 12)],
                                   reason="Arrived after the register closed")
    with engine.connect() as conn:
        fore, sur, upn = conn.execute(text(
            "SELECT legal_forename, legal_surname, upn FROM pupil WHERE id = :i"),
            {"i": first}).one()
        amendment_id = int(conn.execute(text("SELECT max(id) FROM markamendment")).scalar())
    return Register(pupils, first, f"{fore} {sur} (UPN {upn})", amendment_id)


def clean(engine: Engine) -> integrity_service.CheckResult:
    result = integrity_service.check(engine)
    assert result.ok, result.problems
    return result


def problems(engine: Engine) -> list[str]:
    result = integrity_service.check(engine)
    assert not result.ok
    return list(result.problems)
