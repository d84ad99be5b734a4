"""PINs that resist a stolen database: length per role, guessable PINs refused, Argon2id
cost in every hash (old hashes verify and are re-made at the next sign-in)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Staff
from attendance_desktop.domain.policy import PolicyError
from attendance_desktop.domain.roles import Role
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import auth_service, policy_service, staff_service
from tests.conftest import HEAD


@pytest.mark.parametrize("pin", ["000000", "111111", "123456", "654321", "234567", "121212",
                                 "123123", "123321", "1234", "4321", "1111", "1212", "1987",
                                 "2024", "201010", "098765"])
def test_guessable_pins_are_refused(pin: str) -> None:
    assert auth_service.guessable_reason(pin) is not None
    assert auth_service.pin_problem(pin, Role.TEACHER) is not None


@pytest.mark.parametrize("pin", ["284617", "550913", "4719", "3957", "8302", "902741"])
def test_ordinary_pins_are_accepted(pin: str) -> None:
    assert auth_service.guessable_reason(pin) is None


def test_head_and_office_need_six_digits_others_four() -> None:
    assert "at least 6" in (auth_service.pin_problem("4719", Role.HEAD) or "")
    assert "at least 6" in (auth_service.pin_problem("4719", Role.OFFICE) or "")
    assert auth_service.pin_problem("4719", Role.TEACHER) is None
    assert auth_service.pin_problem("4719", Role.READONLY) is None
    assert "at least 4" in (auth_service.pin_problem("471", Role.TEACHER) or "")
    assert auth_service.pin_problem("correct horse", Role.HEAD) is None  # a password


def test_the_minimum_lengths_are_settings(engine: Engine) -> None:
    policy = policy_service.load_policy(engine)
    assert (policy.pin_min_length_senior, policy.pin_min_length_staff) == (6, 4)
    policy_service.save_policy(engine, HEAD, policy.replace(pin_min_length_senior=8,
                                                            pin_min_length_staff=6))
    with pytest.raises(ServiceError, match="at least 8"):
        staff_service.add_staff(engine, HEAD, "Pat", Role.HEAD, "284617")
    with pytest.raises(ServiceError, match="at least 6"):
        staff_service.add_staff(engine, HEAD, "Tess", Role.TEACHER, "4719")
    assert staff_service.add_staff(engine, HEAD, "Pat", Role.HEAD, "28461730")
    with pytest.raises(PolicyError):
        policy.replace(pin_min_length_senior=3)


def test_production_cost_is_the_strong_one() -> None:
    """~0.26 s per hash here: 10**6 guesses (every 6-digit PIN) ~3 days on one core."""
    cost = auth_service.PRODUCTION_COST
    assert (cost.time_cost, cost.memory_cost, cost.parallelism) == (3, 96 * 1024, 1)
    stored = cost.hasher().hash("284617")
    assert stored.startswith("$argon2id$v=19$m=98304,t=3,p=1$")
    # Tests run with a cheap cost (conftest); the app never changes it.
    assert auth_service.current_hash_cost() != cost


def test_old_hashes_still_verify_and_are_remade_at_sign_in(engine: Engine) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("284617")
    with session_scope(engine) as s:
        row = Staff(name="Old Head", role="head", pin_hash=weak)
        s.add(row)
        s.flush()
        sid = row.id
    assert sid is not None
    assert auth_service.sign_in(engine, sid, "284617").name == "Old Head"
    with session_scope(engine) as s:
        now_hash = s.get(Staff, sid).pin_hash  # type: ignore[union-attr]
    cost = auth_service.current_hash_cost()
    assert now_hash != weak
    assert f"m={cost.memory_cost},t={cost.time_cost},p={cost.parallelism}$" in now_hash
    assert auth_service.sign_in(engine, sid, "284617").name == "Old Head"


def test_short_pins_are_flagged_for_change_at_sign_in(engine: Engine) -> None:
    with session_scope(engine) as s:
        row = Staff(name="Olly", role="office", pin_hash=auth_service.hash_pin("4719"))
        demo = Staff(name="Demo", role="office", pin_hash=auth_service.hash_pin("2345"),
                     is_demo=True)
        s.add(row)
        s.add(demo)
        s.flush()
        sid, did = row.id, demo.id
    assert sid is not None
    assert did is not None
    actor = auth_service.sign_in(engine, sid, "4719")
    assert "at least 6" in (auth_service.pin_needs_change(engine, actor, "4719") or "")
    with pytest.raises(ServiceError, match="too easy"):
        auth_service.change_own_pin(engine, actor, "4719", "123456")
    with pytest.raises(ServiceError, match="current PIN"):
        auth_service.change_own_pin(engine, actor, "0000", "550913")
    auth_service.change_own_pin(engine, actor, "4719", "550913")
    assert auth_service.pin_needs_change(engine, actor, "550913") is None
    # Demo accounts keep their published PINs (they stop working on a real import).
    demo_actor = auth_service.sign_in(engine, did, "2345")
    assert auth_service.pin_needs_change(engine, demo_actor, "2345") is None


def test_no_usable_account_and_pupils_needs_the_head_first(engine: Engine) -> None:
    from attendance_desktop.services.pupils import pupil_service
    from tests.services.records.test_records_service import TODAY, _data

    assert not auth_service.needs_head_account(engine)  # a new, empty database
    pupil_service.add_pupil(engine, HEAD, _data(), today=TODAY)
    assert auth_service.needs_head_account(engine)
    with pytest.raises(ServiceError, match="at least 6"):
        auth_service.create_first_head(engine, "Pat", "4719")
    auth_service.create_first_head(engine, "Pat", "284617")
    with pytest.raises(ServiceError, match="exist already"):
        auth_service.create_first_head(engine, "Mallory", "550913")
