"""Qt-free fixtures: a fresh SQLite database per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import AppPaths, resolve_paths
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.database import open_database
from attendance_desktop.services.school import calendar_service

HEAD = Actor("Test Head", Role.HEAD, staff_id=None)
OFFICE = Actor("Test Office", Role.OFFICE, staff_id=None)


@pytest.fixture(autouse=True)
def _no_machine_or_user_locations(tmp_path_factory: pytest.TempPathFactory,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads this PC's machine config file or finds a real first-release folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("ATTENDANCE_MACHINE_CONFIG", str(home / "no-machine-config.ini"))


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return resolve_paths(tmp_path / "data", environ={})


@pytest.fixture(autouse=True)
def cheap_pin_hashing() -> Iterator[None]:
    """Argon2 at its cheapest in tests (each production hash takes ~0.25 s on purpose);
    tests/services/school/test_pin_rules.py checks the production cost itself."""
    from attendance_desktop.services.school import auth_service

    old = auth_service.use_hash_cost(auth_service.HashCost(1, 8, 1))
    yield
    auth_service.use_hash_cost(old)


@pytest.fixture
def engine(paths: AppPaths) -> Engine:
    eng = open_database(paths)
    yield eng
    eng.dispose()


@pytest.fixture
def school_year(engine: Engine) -> calendar_service.YearInfo:
    """The 2025/26 academic year with default term dates and England's bank holidays."""
    calendar_service.create_academic_year(engine, HEAD, default_term_dates(2025),
                                          inset_days=[dt.date(2025, 9, 1)])
    year = calendar_service.year_containing(engine, dt.date(2025, 10, 1))
    assert year is not None
    return year


def clock_at(engine: Engine, when: dt.datetime) -> None:
    """Set the application's clock for `engine` (the services read the time from it)."""
    bind_clock(engine, FixedClock(when))


def put_marks(engine: Engine, actor: Actor,
              cells: list[tuple[int, dt.date, str, str] | tuple[int, dt.date, str, str,
                                                                 int | None, str]],
              source: str = "register", reason: str = "") -> None:
    """Test set-up: write marks through the register path as if each was entered on its
    day before the register closed (so no amendment is needed or recorded)."""
    from attendance_desktop.services import clock
    from attendance_desktop.services.register import register_service
    from attendance_desktop.services.register.register_service import MarkChange

    before = clock._CLOCKS.get(engine)
    try:
        for day in sorted({c[1] for c in cells}):
            bind_clock(engine, FixedClock(dt.datetime.combine(day, dt.time(7, 59, 30, 500))))
            register_service.apply_changes(engine, actor, [
                MarkChange(*c) for c in cells if c[1] == day],  # type: ignore[arg-type]
                source=source, reason=reason)
    finally:
        if before is not None:
            bind_clock(engine, before)
        else:
            clock._CLOCKS.pop(engine, None)


def put_mark(engine: Engine, actor: Actor, pupil_id: int, day: dt.date, session: str,
             code: str, minutes_late: int | None = None, comment: str = "",
             source: str = "import", reason: str = "") -> None:
    """One mark of history (default source 'import': no term dates needed)."""
    put_marks(engine, actor, [(pupil_id, day, session, code, minutes_late, comment)],
              source=source, reason=reason)


# The PostgreSQL test server's fixtures (pg_base, pg_engine), for any test that asks.
from tests.db.pg_fixtures import pg_base, pg_engine  # noqa: E402, F401
