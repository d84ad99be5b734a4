from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QWidget

from attendance_desktop.domain.roles import Role
from attendance_desktop.gui.idle_lock import IdleTimer, WindowLock
from attendance_desktop.gui.login_dialog import LoginDialog
from attendance_desktop.services.context import AppContext
from tests.gui.conftest import save_screenshot
from tests.services.register_school import make_school


@pytest.fixture
def school(engine, school_year):
    return make_school(engine)


def _choose(dialog: LoginDialog, staff_id: int) -> None:
    for row in range(dialog.names.count()):
        if dialog.names.item(row).data(Qt.ItemDataRole.UserRole) == staff_id:
            dialog.names.setCurrentRow(row)


def test_sign_in_with_name_and_pin(qtbot, ctx, school):
    dialog = LoginDialog(ctx.engine, ctx.clock, school_name="Test Primary")
    qtbot.addWidget(dialog)
    dialog.show()
    _choose(dialog, school.office_id)
    qtbot.keyClicks(dialog.pin, "9999")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.actor is None
    assert "Wrong PIN" in dialog.message.text()
    assert dialog.pin.text() == ""
    save_screenshot(dialog, "login")
    qtbot.keyClicks(dialog.pin, "550913")
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.actor is not None
    assert (dialog.actor.name, dialog.actor.role) == ("Olly Office", Role.OFFICE)


def test_repeated_failures_make_the_button_wait(qtbot, ctx, school):
    dialog = LoginDialog(ctx.engine, ctx.clock)
    qtbot.addWidget(dialog)
    _choose(dialog, school.head_id)
    for _ in range(3):
        dialog.pin.setText("0000")
        dialog.try_sign_in()
    assert "wait" in dialog.message.text().lower()
    assert not dialog.sign_in_btn.isEnabled()


def test_idle_timer_fires_and_activity_restarts_it(qtbot):
    idle = IdleTimer(200)
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.keyClick(widget, Qt.Key.Key_A)  # activity: still counting
    assert idle.timer.isActive()
    with qtbot.waitSignal(idle.idled, timeout=3000):
        pass
    idle.stop()


def test_lock_hides_window_and_switches_user(qtbot, ctx, school):
    from attendance_desktop.services.school import auth_service

    office = auth_service.sign_in(ctx.engine, school.office_id, "550913")
    here = AppContext(paths=ctx.paths, engine=ctx.engine, clock=ctx.clock, actor=office)
    window = QMainWindow()
    window.setCentralWidget(QWidget())
    qtbot.addWidget(window)
    window.show()
    lock = WindowLock(window, here, 10, interval_ms=50)
    qtbot.waitUntil(lambda: lock.dialog is not None, timeout=3000)
    assert not window.centralWidget().isVisible()
    dialog = lock.dialog
    assert dialog.selected_staff_id() == school.office_id  # same person preselected
    dialog.reject()  # Escape does not unlock
    assert lock.dialog is dialog
    _choose(dialog, school.head_id)
    dialog.pin.setText("284617")
    with qtbot.waitSignal(lock.userChanged, timeout=3000):
        dialog.try_sign_in()
    assert here.actor.role is Role.HEAD
    assert window.centralWidget().isVisible()
    lock.stop()


def test_login_clock_is_used_for_lockout(qtbot, ctx, school):
    dialog = LoginDialog(ctx.engine, lambda: dt.datetime(2025, 11, 20, 10, 0))
    qtbot.addWidget(dialog)
    _choose(dialog, school.teacher_id)
    dialog.pin.setText("3957")
    dialog.try_sign_in()
    assert dialog.actor is not None
    assert dialog.actor.class_ids == frozenset({school.oak})


def test_switching_user_rebuilds_the_main_window_for_their_role(qtbot, ctx, school):
    from attendance_desktop.gui.idle_lock import install_lock
    from attendance_desktop.gui.main_window import MainWindow
    from attendance_desktop.services.school import auth_service

    office = auth_service.sign_in(ctx.engine, school.office_id, "550913")
    here = AppContext(paths=ctx.paths, engine=ctx.engine, clock=ctx.clock, actor=office)
    window = MainWindow(here)
    qtbot.addWidget(window)
    window.show()
    window.show_area(window.area_index("Register"))
    lock = install_lock(window, here, 10)
    assert window.statusBar().findChild(QWidget, "lockButton") is not None
    lock.lock()
    _choose(lock.dialog, school.readonly_id)
    lock.dialog.pin.setText("4681")
    lock.dialog.try_sign_in()
    qtbot.waitUntil(lambda: "Rory Reader" in window.statusBar().currentMessage(), timeout=3000)
    page = window.current_page()
    assert page.objectName() == "registerPage"
    assert not page.buttons["present"].isEnabled()  # read-only now
    lock.stop()
