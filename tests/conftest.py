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
from attendance_desktop.services import calendar_service
from attendance_desktop.services.database import open_database

HEAD = Actor("Test Head", Role.HEAD, staff_id=None)
OFFICE = Actor("Test Office", Role.OFFICE, staff_id=None)


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return resolve_paths(tmp_path / "data", environ={})


@pytest.fixture(autouse=True)
def cheap_pin_hashing() -> Iterator[None]:
    """Argon2 at its cheapest in tests (each production hash takes ~0.25 s on purpose);
    tests/services/test_pin_rules.py checks the production cost itself."""
    from attendance_desktop.services import auth_service

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
