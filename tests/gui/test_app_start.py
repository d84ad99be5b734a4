"""Start-up as the `attendance-desktop` command does it: welcome, sign-in, main window."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from attendance_desktop import app, cli
from attendance_desktop.domain.roles import Role
from attendance_desktop.gui.login_dialog import LoginDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.demo import demo_service


@pytest.fixture
def demo_ctx(engine, paths):
    demo_service.create_demo(engine, seed=7, pupils=35, today=dt.date(2025, 11, 20))
    return AppContext(paths=paths, engine=engine,
                      clock=lambda: dt.datetime(2025, 11, 20, 10, 0))


def _sign_in_as(monkeypatch, name_part: str, pin: str, seen: list[str]) -> None:
    """Make LoginDialog.exec pick a name and type a PIN like a person would."""

    def fake_exec(dialog: LoginDialog) -> int:
        seen.append(dialog.windowTitle())
        for i in range(dialog.names.count()):
            if name_part in dialog.names.item(i).text():
                dialog.names.setCurrentRow(i)
        dialog.pin.setText(pin)
        dialog.try_sign_in()
        return int(dialog.result())

    monkeypatch.setattr(LoginDialog, "exec", fake_exec)


def test_start_signs_in_then_opens_the_main_window(qtbot, demo_ctx, monkeypatch):
    seen: list[str] = []
    _sign_in_as(monkeypatch, "Headteacher", "1234", seen)
    opened = app.open_windows(cli.parse(["gui"]), demo_ctx)
    assert opened is not None
    window, lock = opened
    qtbot.addWidget(window)
    assert seen
    assert "sign in" in seen[0]
    assert demo_ctx.actor.role is Role.HEAD
    assert window.isVisible()
    assert f"Signed in as {demo_ctx.actor.name}" in window.statusBar().currentMessage()
    assert lock is not None
    lock.stop()


def test_a_wrong_pin_then_cancel_opens_nothing(qtbot, demo_ctx, monkeypatch):
    def fake_exec(dialog: LoginDialog) -> int:
        dialog.pin.setText("0000")
        dialog.try_sign_in()
        assert dialog.actor is None
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(LoginDialog, "exec", fake_exec)
    assert app.open_windows(cli.parse(["gui"]), demo_ctx) is None
    assert not [w for w in QApplication.topLevelWidgets()
                if w.isVisible() and w.objectName() != "loginDialog"]


def test_kiosk_command_opens_the_kiosk_without_sign_in(qtbot, demo_ctx, monkeypatch):
    monkeypatch.setattr(LoginDialog, "exec", lambda _d: pytest.fail("no sign-in for kiosk"))

    def staff_windows() -> set[int]:
        return {id(w) for w in QApplication.topLevelWidgets()
                if type(w).__name__ == "MainWindow"}

    before = staff_windows()
    opened = app.open_windows(cli.parse(["kiosk"]), demo_ctx)
    assert opened is not None
    window, lock = opened
    qtbot.addWidget(window)
    assert lock is None
    assert type(window).__name__ == "KioskWindow"
    assert window.isVisible()
    # no staff window is built at all: pupils cannot reach the staff screens
    assert staff_windows() <= before
    qtbot.waitUntil(lambda: hasattr(window, "duties"), timeout=5000)  # backups etc.


def _closure_marks(engine, day: dt.date) -> int:
    from sqlmodel import func, select

    from attendance_desktop.db.engine import session_scope
    from attendance_desktop.db.models import Mark

    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(Mark).where(
            Mark.date == day, Mark.code == "#")).one()


def test_planned_closures_are_filled_once_signed_in_not_before(qtbot, demo_ctx, monkeypatch):
    """A closure planned without filling (or pupils added since) gets its marks at start,
    after sign-in, so the sign-in dialog is not held up and nothing is written for
    someone who cancels."""
    from attendance_desktop.services.school import calendar_service
    from tests.conftest import HEAD

    day = dt.date(2025, 12, 5)
    calendar_service.add_closure(demo_ctx.engine, HEAD, day, description="Staff training")
    assert _closure_marks(demo_ctx.engine, day) == 0
    monkeypatch.setattr(LoginDialog, "exec", lambda _d: int(QDialog.DialogCode.Rejected))
    assert app.open_windows(cli.parse(["gui"]), demo_ctx) is None
    assert _closure_marks(demo_ctx.engine, day) == 0

    seen: list[str] = []
    _sign_in_as(monkeypatch, "Headteacher", "1234", seen)
    opened = app.open_windows(cli.parse(["gui"]), demo_ctx)
    assert opened is not None
    window, lock = opened
    qtbot.addWidget(window)
    lock.stop()
    on_roll = len(_pupils_on_roll(demo_ctx.engine, day))
    assert on_roll > 0
    assert _closure_marks(demo_ctx.engine, day) == 2 * on_roll


def _pupils_on_roll(engine, day: dt.date) -> list[int]:
    from attendance_desktop.db.engine import session_scope
    from attendance_desktop.services.register.closure_service import _on_roll_ids

    with session_scope(engine) as s:
        return _on_roll_ids(s, day)
