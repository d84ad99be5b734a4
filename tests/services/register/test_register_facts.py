"""The register path's cached policy and calendar (services/register/register_facts.py): a change
made through another engine on the same file (another process or office PC) is seen by the
very next write of an engine that has written (and cached) before."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.domain.policy import SessionTimes
from attendance_desktop.services.database import open_database
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import mark_reads, register_facts
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.school import calendar_service, policy_service
from tests.conftest import HEAD, OFFICE, clock_at

MON, TUE = dt.date(2025, 11, 17), dt.date(2025, 11, 18)


@pytest.fixture
def pupils(engine, school_year) -> list[int]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        made = [Pupil(legal_forename=f"P{i}", legal_surname="Cache", dob=dt.date(2018, 1, 5),
                      year_group="2", admission_date=dt.date(2022, 9, 1)) for i in range(3)]
        s.add_all(made)
        s.flush()
        return [int(p.id) for p in made]  # type: ignore[arg-type]


def test_a_policy_change_by_another_engine_is_seen_by_the_next_write(engine, paths, pupils):
    clock_at(engine, dt.datetime.combine(MON, dt.time(9, 5)))
    # Written (and the policy cached) while the morning register is still open.
    first = rs.apply_changes(engine, OFFICE, [MarkChange(pupils[0], MON, "AM", "/")])
    assert first.amended_after_close == 0
    assert first.cells[0].code == "/"
    other = open_database(paths)  # a second office PC on the same file
    try:
        policy = policy_service.load_policy(other)
        early = dataclasses.replace(policy, am=SessionTimes(
            dt.time(8, 20), dt.time(8, 35), dt.time(9, 0)))  # 25 minutes, like PM
        assert policy_service.save_policy(other, HEAD, early)
    finally:
        other.dispose()
    # Same clock, same engine: the register has now closed at 09:00, so changing a mark
    # is an amendment that needs a reason, and the change is recorded as after close.
    with pytest.raises(ServiceError, match="needs a reason"):
        rs.apply_changes(engine, OFFICE, [MarkChange(pupils[0], MON, "AM", "L", 5)])
    done = rs.apply_changes(engine, OFFICE, [MarkChange(pupils[0], MON, "AM", "L", 5)],
                            reason="arrived late; office error")
    assert done.amended_after_close == 1
    assert mark_reads.cell_history(engine, pupils[0], MON, "AM")[-1].after_close


def test_a_closure_added_by_another_engine_is_seen_by_the_next_write(engine, paths, pupils):
    clock_at(engine, dt.datetime.combine(TUE, dt.time(8, 50)))
    rs.apply_changes(engine, OFFICE, [MarkChange(pupils[0], TUE, "AM", "/")])  # cached
    other = open_database(paths)
    try:
        calendar_service.add_closure(other, HEAD, TUE, "PM", description="Staff training")
    finally:
        other.dispose()
    with pytest.raises(ServiceError, match="not an open school session"):
        rs.apply_changes(engine, OFFICE, [MarkChange(pupils[1], TUE, "PM", "\\")])
    # The morning is still open and its write still goes through.
    assert rs.apply_changes(engine, OFFICE, [MarkChange(pupils[1], TUE, "AM", "/")]).written


def test_the_cached_objects_equal_a_fresh_read_and_follow_every_change(engine, pupils):
    def fresh() -> tuple[object, object]:
        with session_scope(engine) as s:
            return policy_service.read_policy(s), calendar_service.read_calendar(s)

    def cached() -> tuple[object, object]:
        with session_scope(engine) as s:
            return register_facts.facts_in(s)

    def same() -> None:
        (p1, c1), (p2, c2) = fresh(), cached()
        assert p1 == p2
        assert c1.half_terms == c2.half_terms  # type: ignore[attr-defined]
        assert c1.closures == c2.closures  # type: ignore[attr-defined]

    same()
    assert cached()[0] is cached()[0]  # parsed once while the rows are the same
    calendar_service.add_closure(engine, HEAD, MON, "AM", description="Boiler")
    same()
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, dataclasses.replace(
        policy, import_future_days=policy.import_future_days + 1))
    same()
    with session_scope(engine) as s:
        assert register_facts.policy_in(s) == policy_service.read_policy(s)
        assert register_facts.calendar_in(s).closures == calendar_service.read_calendar(
            s).closures
