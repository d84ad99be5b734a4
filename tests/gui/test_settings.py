"""Settings screens: every policy setting round-trips, changes are recorded, roles refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import QMessageBox

from attendance_desktop.domain.policy import PRESETS
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.gui.settings.policy_widget import PolicyEditor, PolicySettingsPage
from attendance_desktop.gui.settings.settings_widget import SettingsWidget
from attendance_desktop.services.pupils import class_service
from attendance_desktop.services.school import (
    calendar_service,
    policy_service,
    school_service,
    staff_service,
)
from tests.conftest import HEAD
from tests.gui.conftest import save_screenshot

HEAD_ACTOR = Actor("Pat Head", Role.HEAD, staff_id=1)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_policy_editor_round_trips_every_preset_unchanged(qtbot, name):
    editor = PolicyEditor()
    qtbot.addWidget(editor)
    editor.load(PRESETS[name])
    assert editor.policy() == PRESETS[name]


def test_policy_editor_shows_broken_rules_plainly(qtbot):
    editor = PolicyEditor()
    qtbot.addWidget(editor)
    editor.load(PRESETS["lowther"])
    editor.show()
    editor._editors["lateness_concern_min"].setValue(5)  # not below "significant" (3)
    assert "lateness levels" in editor.message.text()
    assert editor.message.isVisible()


def _settings(qtbot, ctx, actor):
    ctx.actor = actor
    widget = SettingsWidget(ctx)
    qtbot.addWidget(widget)
    widget.resize(1366 - 170, 720)
    widget.show()
    assert wait_idle(10)  # the pages read on the serial worker
    return widget


def _open(w, key: str):  # type: ignore[no-untyped-def]
    """Choose a Settings tab (its page is built now) and let it read on the worker."""
    assert w.show_section(key)
    assert wait_idle(10)
    return w.section(key)


def test_head_changes_are_saved_and_recorded_in_the_change_log(qtbot, ctx, school_year):
    w = _settings(qtbot, ctx, HEAD_ACTOR)
    # school details
    assert w.built_section("policy") is None  # only the tab on show is built
    school = w.section("school")
    school.form.ui.urn.setText("654321")
    school.save_button.click()
    assert wait_idle(10)  # the pages read on the serial worker
    assert school_service.get_school(ctx.engine).details.urn == "654321"
    # policy
    policy = _open(w, "policy")
    policy.editor._editors["target_pct"].setValue(97.0)
    policy.save_button.click()
    assert wait_idle(10)  # the pages read on the serial worker
    assert policy_service.load_policy(ctx.engine).target_pct == 97.0
    # session times: a broken rule is refused and nothing changes
    sessions = _open(w, "sessions")
    sessions.form.edits["pm"][2].setTime(QTime(13, 30))  # pm open 15 min, am 25
    assert "same length" in sessions.form.message.text()
    sessions.save_button.click()
    assert wait_idle(10)  # the pages read on the serial worker
    assert "Not saved" in sessions.result.text()
    assert policy_service.load_policy(ctx.engine).pm.closes == dt.time(13, 40)
    # calendar: move Spring 1's first day, add a closure
    calendar = _open(w, "calendar")
    spring1_first = calendar.editor.halves[2][2]
    spring1_first.setDate(QDate(2026, 1, 6))
    calendar.save_button.click()
    assert wait_idle(10)  # the pages read on the serial worker
    year = calendar_service.list_years(ctx.engine)[0]
    assert year.half_terms[2].start == dt.date(2026, 1, 6)
    calendar.closure_date.setDate(QDate(2026, 3, 2))
    calendar.closure_text.setText("Boiler repair")
    calendar.add_closure_button.click()
    assert wait_idle(10)  # the pages read on the serial worker
    assert not calendar_service.load_calendar(ctx.engine).is_school_day(dt.date(2026, 3, 2))
    save_screenshot(w, "settings_calendar")
    # the change log shows who, when, old and new
    log = _open(w, "log").table
    rows = [[log.item(r, c).text() for c in range(6)] for r in range(log.rowCount())]
    # in words: labels for the keys, values unpacked from JSON, dates and roles readable
    assert any(r[1] == "School" and r[2] == "URN" and r[4] == "654321"
               and r[5] == "Pat Head (Headteacher / attendance lead)" for r in rows)
    assert any(r[1] == "Policy" and r[2] == "Attendance target (%)" and r[3] == "96"
               and r[4] == "97" for r in rows)
    assert any(r[2] == "2025/26 Spring 1" and "06 Jan 2026" in r[4] for r in rows)
    assert any(r[2] == "Closure 02 Mar 2026 (whole day)" for r in rows)
    raw = [cell for r in rows for cell in r
           if re.search(r"[\[\]{}\"_]|\b\d{4}-\d\d-\d\d\b|\((head|office)\)", cell)]
    assert not raw, f"keys or JSON in the change log: {raw}"
    save_screenshot(w, "settings_change_log")


def test_policy_tabs_are_readable(qtbot, ctx):
    w = _settings(qtbot, ctx, HEAD_ACTOR)
    tabs = _open(w, "policy").editor.tabs
    cut: list[str] = []
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        qtbot.wait(10)  # let the layout settle, as on a screen
        name = tabs.tabText(i).lower().replace(" ", "_")
        save_screenshot(w, f"settings_policy_{i}_{name}")
        cut += [f"{tabs.tabText(i)}: {text!r}" for text in _clipped_texts(tabs.widget(i))]
    assert not cut, "text cut off at 1366x768: " + "; ".join(cut)
    _open(w, "sessions")
    save_screenshot(w, "settings_session_times")
    _open(w, "school")
    save_screenshot(w, "settings_school")


def test_office_staff_can_look_but_not_change(qtbot, ctx, monkeypatch):
    office = Actor("Oli Office", Role.OFFICE, staff_id=2)
    w = _settings(qtbot, ctx, office)
    assert w.notice.isVisible()
    school = w.section("school")
    assert not school.save_button.isEnabled()
    assert not _open(w, "policy").save_button.isEnabled()
    assert not w.tabs.isTabEnabled(5)  # staff accounts
    assert not w.show_section("staff")  # a link cannot open it either
    assert not _open(w, "classes").ui.addClass.isEnabled()
    # even if a button were reachable, the service refuses and says so
    school.form.ui.name.setText("Renamed")
    assert not school.form.save(ctx)
    assert "only the headteacher" in school.form.message.text()
    assert school_service.recent_changes(ctx.engine) == []


def test_staff_accounts_screen_add_reset_disable_and_last_head(qtbot, ctx, monkeypatch):
    head_id = staff_service.add_staff(ctx.engine, HEAD, "Pat Head", Role.HEAD, "284617")
    w = _settings(qtbot, ctx, Actor("Pat Head", Role.HEAD, staff_id=head_id))
    ed = _open(w, "staff")
    ui = ed.ui
    ui.staffName.setText("Tia Teacher")
    ui.staffRole.setCurrentIndex(ui.staffRole.findData("teacher"))
    ui.staffPin.setText("4719")
    ui.staffPin2.setText("4718")
    ui.addStaff.click()
    assert "two PINs are different" in ui.staffMessage.text()
    ui.staffPin2.setText("4719")
    ui.addStaff.click()
    assert [s.name for s in ed.staff] == ["Pat Head", "Tia Teacher"]
    # change role
    ui.staffTable.selectRow(1)
    ui.staffRole.setCurrentIndex(ui.staffRole.findData("office"))
    ui.role_button.click()
    assert ed.staff[1].role is Role.OFFICE
    # reset PIN
    monkeypatch.setattr("attendance_desktop.gui.settings.staff_widget.QInputDialog.getText",
                        staticmethod(lambda *a, **k: ("550913", True)))
    ui.staffTable.selectRow(1)
    ui.pin_button.click()
    from attendance_desktop.services.school import auth_service
    assert auth_service.sign_in(ctx.engine, ed.staff[1].id, "550913").role is Role.OFFICE
    # disable (confirmed), and the last head cannot be disabled
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    ui.staffTable.selectRow(1)
    ui.active_button.click()
    assert not ed.staff[1].active
    ui.staffTable.selectRow(0)
    ui.active_button.click()
    assert "only active headteacher" in ui.staffMessage.text()
    assert ed.staff[0].active
    save_screenshot(w, "settings_staff")
    # classes tab lists the (active) head as a possible teacher
    classes = _open(w, "classes")
    classes.ui.className.setText("Oak")
    classes.ui.teacher.setCurrentIndex(1)
    classes.ui.addClass.click()
    assert class_service.list_classes(ctx.engine)[0].teacher_name == "Pat Head"
    save_screenshot(w, "settings_classes")
    assert dataclasses.is_dataclass(ed.staff[0])


def _clipped_texts(page):  # type: ignore[no-untyped-def]
    """Visible one-line labels and check boxes narrower than their text needs, and
    labels that show an internal key (snake_case) instead of words."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea

    found = []
    for area in page.findChildren(QScrollArea) + ([page] if isinstance(page, QScrollArea)
                                                  else []):
        if area.isVisibleTo(page) or area is page:
            bar = area.horizontalScrollBar()
            if bar.maximum() > 0:
                found.append(f"(scrolls sideways by {bar.maximum()} px)")
    for widget in page.findChildren(QLabel) + page.findChildren(QAbstractButton):
        if not widget.isVisibleTo(page) or not widget.text():
            continue
        wraps = isinstance(widget, QLabel) and widget.wordWrap()
        if not wraps and widget.width() < widget.sizeHint().width():
            found.append(widget.text())
        if "_" in widget.text().replace("&", "") and " " not in widget.text():
            found.append(widget.text())
    return found


def _tab_walk(window, start, stop_in):  # type: ignore[no-untyped-def]
    """The widgets Tab visits from start while they are inside stop_in."""
    start.setFocus()
    seen = []
    for _ in range(400):
        window.focusNextChild()
        w = window.focusWidget()
        if w is None or not stop_in.isAncestorOf(w) or w in seen:
            break
        seen.append(w)
    return seen


def test_tab_walks_a_page_built_later_in_its_own_order(qtbot, ctx):
    """A Settings page built when its tab is first chosen: Tab from the tab bar walks into
    it, control by control, as through the same page made on its own (LazyPage's re-threading
    of the focus chain keeps the page's own order; tests/gui/test_lazy_page.py checks that
    it follows the tab bar when other controls were made in between)."""
    w = _settings(qtbot, ctx, HEAD_ACTOR)
    policy = _open(w, "policy")
    inside = _tab_walk(w, w.tabs.tabBar(), policy)
    alone = PolicySettingsPage(ctx)
    qtbot.addWidget(alone)
    alone.resize(1366 - 170, 720)
    alone.show()
    assert wait_idle(10)
    own = _tab_walk(alone, alone, alone)
    assert len(inside) > 10  # into the policy's fields, not straight to Save
    assert [x.objectName() or type(x).__name__ for x in inside] == \
        [x.objectName() or type(x).__name__ for x in own]


def test_a_change_on_one_tab_is_read_again_by_tabs_already_built(qtbot, ctx):
    head_id = staff_service.add_staff(ctx.engine, HEAD, "Pat Head", Role.HEAD, "284617")
    w = _settings(qtbot, ctx, Actor("Pat Head", Role.HEAD, staff_id=head_id))
    classes = _open(w, "classes")  # built before the staff change
    log = _open(w, "log")
    rows = log.table.rowCount()
    teachers = classes.ui.teacher
    names = [teachers.itemText(i) for i in range(teachers.count())]
    assert not any("Tia Teacher" in n for n in names)
    ui = _open(w, "staff").ui
    ui.staffName.setText("Tia Teacher")
    ui.staffRole.setCurrentIndex(ui.staffRole.findData("teacher"))
    ui.staffPin.setText("4719")
    ui.staffPin2.setText("4719")
    ui.addStaff.click()
    assert wait_idle(10)
    names = [teachers.itemText(i) for i in range(teachers.count())]
    assert any("Tia Teacher" in n for n in names)
    assert log.table.rowCount() > rows
