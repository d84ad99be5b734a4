"""Qt-free fixtures: a fresh SQLite database per test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import AppPaths, resolve_paths
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import calendar_service
from attendance_desktop.services.database import open_database

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
