from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea

from attendance_desktop.gui.main_window import AREAS, MainWindow
from tests.gui.conftest import save_screenshot


def test_main_window_lists_every_area_and_opens_today(qtbot, ctx):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert names == ["Today", "Register", "Kiosk", "Leave", "Trackers", "Letters", "Pupils",
                     "Reports", "Settings"]
    assert len(AREAS) == 9
    heading = window.current_page().findChild(QLabel, "todayHeading")
    assert "Thursday 20 November 2025" in heading.text()
    save_screenshot(window, "main_window_today")


def test_keyboard_shortcut_moves_between_areas(qtbot, ctx):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window.nav, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    assert window.nav.currentRow() == 8


def test_the_navigator_opens_areas_by_key_and_builds_each_page_once(qtbot, ctx):
    from attendance_desktop.gui.navigator import PANELS, load

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert len({a.key for a in AREAS}) == len(AREAS)
    for path in [a.factory for a in AREAS] + list(PANELS.values()):
        assert callable(load(path)), path
    nav = window.navigator
    assert nav.attached
    page = nav.show_area("settings")
    assert window.nav.currentRow() == window.area_index("Settings")
    assert nav.show_area("settings") is page  # built once
    assert page.built_section("calendar") is None  # built when first shown
    assert nav.show_settings("calendar")
    assert page.tabs.currentWidget() is page.sections["calendar"]
    calendar = page.built_section("calendar")
    assert calendar is not None
    assert calendar.isVisibleTo(page)
    assert isinstance(calendar.parent().parent(), QScrollArea)  # the calendar scrolls
    assert not nav.show_settings("no such section")


def test_a_page_on_its_own_has_a_detached_navigator(qtbot, ctx):
    from attendance_desktop.gui.leave.leave_widget import LeaveWidget

    page = LeaveWidget(ctx)
    qtbot.addWidget(page)
    assert not page.navigator.attached
    assert page.navigator.show_area("settings") is None
    assert not page.navigator.show_pupil(1)
    assert not page.navigator.open_kiosk()
    # panels other areas own still work without a window
    outbox = page.navigator.panel("mail.outbox")
    qtbot.addWidget(outbox)
    assert type(outbox).__name__ == "OutboxWidget"
