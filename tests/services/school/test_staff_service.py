from __future__ import annotations

import pytest
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import SettingChange
from attendance_desktop.domain.roles import Role
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.school import auth_service, staff_service
from tests.conftest import HEAD, OFFICE


def test_head_adds_staff_changes_role_resets_pin_and_disables(engine):
    head = staff_service.add_staff(engine, HEAD, "Ms Head", Role.HEAD, "284617")
    office = staff_service.add_staff(engine, HEAD, "Mr Office", "office", "550913")
    assert auth_service.sign_in(engine, office, "550913").role is Role.OFFICE
    staff_service.change_role(engine, HEAD, office, Role.TEACHER)
    staff_service.reset_pin(engine, HEAD, office, "9071")
    with pytest.raises(auth_service.SignInRefused):
        auth_service.sign_in(engine, office, "550913")
    assert auth_service.sign_in(engine, office, "9071").role is Role.TEACHER
    staff_service.set_active(engine, HEAD, office, False)
    with pytest.raises(auth_service.SignInRefused):
        auth_service.sign_in(engine, office, "9071")
    names = {(s.name, s.active) for s in staff_service.list_staff(engine)}
    assert names == {("Ms Head", True), ("Mr Office", False)}  # disabled, never deleted
    with session_scope(engine) as s:
        log = [(c.key, c.old_value, c.new_value) for c in s.exec(
            select(SettingChange).where(SettingChange.area == "staff"))]
    assert ("staff Mr Office", "Office staff", "Teacher") in log
    assert ("staff Mr Office", "PIN", "PIN reset") in log
    assert ("staff Mr Office", "active", "disabled") in log
    assert all("9071" not in str(row) for row in log)
    assert head


def test_last_active_head_cannot_be_disabled_or_demoted(engine):
    head = staff_service.add_staff(engine, HEAD, "Ms Head", Role.HEAD, "284617")
    with pytest.raises(ServiceError, match="only active headteacher"):
        staff_service.set_active(engine, HEAD, head, False)
    with pytest.raises(ServiceError, match="only active headteacher"):
        staff_service.change_role(engine, HEAD, head, Role.OFFICE)
    deputy = staff_service.add_staff(engine, HEAD, "Mr Deputy", Role.HEAD, "430812")
    staff_service.change_role(engine, HEAD, head, Role.OFFICE)
    with pytest.raises(ServiceError):
        staff_service.set_active(engine, HEAD, deputy, False)


def test_only_the_head_manages_staff_and_pins_need_four_characters(engine):
    with pytest.raises(PermissionDenied):
        staff_service.add_staff(engine, OFFICE, "Someone", Role.OFFICE, "284617")
    with pytest.raises(ServiceError, match="at least 4"):
        staff_service.add_staff(engine, HEAD, "Someone", Role.TEACHER, "12")
    with pytest.raises(ServiceError, match="at least 6"):
        staff_service.add_staff(engine, HEAD, "Someone", Role.OFFICE, "2846")
    with pytest.raises(ServiceError, match="unknown role"):
        staff_service.add_staff(engine, HEAD, "Someone", "cook", "284617")
    assert staff_service.list_staff(engine) == []
