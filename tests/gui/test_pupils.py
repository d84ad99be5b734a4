"""Pupils area: search (Ctrl+F), add, edit, move, leave, contacts warning, photo."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from attendance_desktop.db.engine import session_scope
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.gui.main_window import MainWindow
from attendance_desktop.gui.pupils.pupil_dialogs import (
    ContactDialog,
    LeaveDialog,
    PupilEditDialog,
)
from attendance_desktop.gui.pupils.pupils_widget import PupilsWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.pupils import class_service, pupil_contacts, pupil_service
from attendance_desktop.services.pupils.pupil_contacts import ContactInput, LinkInput
from attendance_desktop.services.pupils.pupil_service import PupilInput
from tests.conftest import HEAD, put_mark
from tests.gui.conftest import save_screenshot

OFFICE = Actor("Oli Office", Role.OFFICE, staff_id=2)
UPN = with_check_letter("823200125007")


def _school(engine):
    oak = class_service.save_class(engine, HEAD, "Oak")
    ash = class_service.save_class(engine, HEAD, "Ash")
    today = dt.date(2025, 11, 20)
    ids = {}
    for fore, sur, cls, year, upn in (("Ada", "Brook", oak, "2", UPN),
                                      ("Ben", "Carter", ash, "5", ""),
                                      ("Cara", "Dale", oak, "1", "")):
        ids[fore] = pupil_service.add_pupil(engine, HEAD, PupilInput(
            fore, sur, dt.date(2018 if year != "5" else 2015, 3, 4), year,
            dt.date(2023, 9, 4), class_id=cls, upn=upn), today)
    return oak, ash, ids


def _widget(qtbot, ctx, actor=OFFICE):
    ctx.actor = actor
    w = PupilsWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1366 - 170, 720)
    w.show()
    _read(w)
    return w


def _read(_w=None):
    """The page reads on the serial worker: let the reads asked for so far be shown."""
    assert wait_idle(10)


def _names(w):
    _read()
    return w.names()


def test_search_by_name_upn_or_class_with_ctrl_f_and_class_filter(qtbot, ctx):
    oak, _ash, _ids = _school(ctx.engine)
    w = _widget(qtbot, ctx)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    assert _names(w) == ["Ada Brook", "Cara Dale", "Ben Carter"]  # class order, then name
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.search.hasFocus()
    qtbot.keyClicks(w.search, "carter")
    assert _names(w) == ["Ben Carter"]
    w.search.setText(UPN.lower())
    assert _names(w) == ["Ada Brook"]
    w.search.setText("ash")
    assert _names(w) == ["Ben Carter"]
    w.search.clear()
    w.klass.setCurrentIndex(w.klass.findData(oak))
    assert _names(w) == ["Ada Brook", "Cara Dale"]


def test_add_pupil_with_validation_then_profile_shows_it(qtbot, ctx, monkeypatch):
    oak, _ash, _ids = _school(ctx.engine)
    w = _widget(qtbot, ctx)
    seen = {}

    def fill(dialog):
        dialog.ui.forename.setText("Dev")
        dialog.ui.surname.setText("")
        dialog.ui.upn.setText("A1234")
        dialog._save()  # refused: messages for each field, nothing saved
        seen["message"] = dialog.ui.message.text()
        dialog.ui.surname.setText("Evans")
        dialog.ui.upn.setText("")
        dialog.ui.dob.setDate(QDate(2019, 5, 6))
        dialog.ui.year.setCurrentIndex(dialog.ui.year.findData("1"))
        dialog.ui.klass.setCurrentIndex(dialog.ui.klass.findData(oak))
        dialog.flags["fsm"].setChecked(True)
        save_screenshot(dialog, "pupils_add_dialog")
        dialog._save()
        return dialog.result()

    monkeypatch.setattr(PupilEditDialog, "exec", fill)
    w.add_button.click()
    _read()
    assert "Legal surname" in seen["message"]
    assert "UPN" in seen["message"]
    assert "Dev Evans" in _names(w)
    assert w.profile.name.text() == "<h2>Dev Evans</h2>"
    assert "Free school meals" in w.profile.fields["groups"].text()
    assert "Only 0 emergency contacts" in w.profile.contact_warning.text()


def test_contacts_priority_and_emergency_warning(qtbot, ctx, monkeypatch):
    _oak, _ash, ids = _school(ctx.engine)
    w = _widget(qtbot, ctx)
    w.show_pupil(ids["Ada"])
    _read()
    answers = iter([("Brook", "Mary", "Mother", "07700 900001"),
                    ("Brook", "Joe", "Grandparent", "07700 900002")])

    def fill(dialog):
        sur, fore, rel, phone = next(answers)
        dialog.ui.surname.setText(sur)
        dialog.ui.forename.setText(fore)
        dialog.ui.relationship.setCurrentText(rel)
        dialog.ui.mobile.setText(phone)
        dialog._save()
        return dialog.result()

    monkeypatch.setattr(ContactDialog, "exec", fill)
    w.profile.add_contact.click()
    _read()
    assert "Only 1 emergency contact" in w.profile.contact_warning.text()
    w.profile.add_contact.click()
    _read()
    assert not w.profile.contact_warning.isVisible()
    table = w.profile.contact_table
    assert [table.item(r, 1).text() for r in range(2)] == ["Mary Brook", "Joe Brook"]
    table.selectRow(1)
    w.profile.up_contact.click()
    _read()
    assert [table.item(r, 1).text() for r in range(2)] == ["Joe Brook", "Mary Brook"]
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    table.selectRow(0)
    w.profile.unlink_contact.click()
    _read()
    assert "Only 1 emergency contact" in w.profile.contact_warning.text()
    assert [c.name for c in pupil_contacts.list_contacts(ctx.engine, ids["Ada"])] == [
        "Mary Brook"]
    # a sibling shares Mary as a contact
    w.show_pupil(ids["Ben"])
    _read()
    texts = iter([("brook", True), ("Mother", True)])
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: next(texts)))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda parent, title, label,
                                                              items, *a: (
        next(i for i in items if "Mary" in i), True)))
    w.profile.link_contact.click()
    _read()
    assert [(c.name, c.link.relationship, c.other_pupils)
            for c in pupil_contacts.list_contacts(ctx.engine, ids["Ben"])] == [
        ("Mary Brook", "Mother", 1)]


def test_leave_keeps_history_and_leavers_show_on_demand(qtbot, ctx, school_year, monkeypatch):
    _oak, ash, ids = _school(ctx.engine)
    with session_scope(ctx.engine) as s:
        put_mark(s.get_bind(), HEAD, ids["Cara"], dt.date(2025, 11, 17), "AM", "/")
        put_mark(s.get_bind(), HEAD, ids["Cara"], dt.date(2025, 11, 17), "PM", "O")
    w = _widget(qtbot, ctx)
    w.show_pupil(ids["Cara"])
    _read()
    assert "50.0%" in w.profile.attendance.text()
    # move class
    monkeypatch.setattr(QInputDialog, "getItem",
                        staticmethod(lambda *a, **k: ("Ash", True)))
    w.profile.move_button.click()
    _read()
    assert pupil_service.get_pupil(ctx.engine, ids["Cara"]).data.class_id == ash

    def leave(dialog):
        dialog.ui.date.setDate(QDate(2025, 11, 18))
        dialog._save()  # no reason: refused
        assert "Leaving reason" in dialog.ui.message.text()
        dialog.ui.reason.setCurrentText("Moved away")
        save_screenshot(dialog, "pupils_leave_dialog")
        dialog._save()
        return dialog.result()

    monkeypatch.setattr(LeaveDialog, "exec", leave)
    w.profile.leave_button.click()
    _read()
    assert "Cara Dale" not in _names(w)
    w.leavers.setChecked(True)
    _read()
    assert "Cara Dale (left 18/11/2025)" in _names(w)
    w.show_pupil(ids["Cara"])
    _read()
    assert "Left on 18 November 2025: Moved away" in w.profile.leaver.text()
    assert "50.0%" in w.profile.attendance.text()  # history still reported
    assert pupil_service.get_pupil(ctx.engine, ids["Cara"]).leaving_reason == "Moved away"


def test_photo_and_profile_screenshot(qtbot, ctx, school_year, tmp_path, monkeypatch):
    _oak, _ash, ids = _school(ctx.engine)
    pupil_contacts.add_contact(ctx.engine, HEAD, ids["Ada"], ContactInput("Brook", "Mary"),
                               LinkInput("Mother"))
    with session_scope(ctx.engine) as s:
        for day in (17, 18, 19):
            put_mark(s.get_bind(), HEAD, ids["Ada"], dt.date(2025, 11, day), "AM", "/")
            put_mark(s.get_bind(), HEAD, ids["Ada"], dt.date(2025, 11, day), "PM",
                                        "L" if day == 18 else "/", minutes_late=5)
    image = QImage(300, 400, QImage.Format.Format_RGB32)
    image.fill(QColor("#90caf9"))
    path = tmp_path / "photo.png"
    image.save(str(path))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    w = _widget(qtbot, ctx)
    w.show_pupil(ids["Ada"])
    _read()
    w.profile.photo_button.click()
    _read()
    assert pupil_service.get_pupil(ctx.engine, ids["Ada"]).has_photo
    assert not w.profile.photo.pixmap().isNull()
    save_screenshot(w, "pupils_profile")


def test_read_only_and_teacher_cannot_change_pupils(qtbot, ctx):
    _school(ctx.engine)
    for role in (Role.READONLY, Role.TEACHER):
        w = _widget(qtbot, ctx, Actor("X", role))
        assert not w.add_button.isEnabled()
        w.table.selectRow(0)
        assert not w.profile.edit_button.isEnabled()
        assert not w.profile.leave_button.isEnabled()
        assert not w.profile.add_contact.isEnabled()


def test_main_window_links_to_a_pupil(qtbot, ctx):
    _oak, _ash, ids = _school(ctx.engine)
    ctx.actor = OFFICE
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_pupil(ids["Ben"])
    _read()
    page = window.current_page()
    assert isinstance(page, PupilsWidget)
    assert page.profile.name.text() == "<h2>Ben Carter</h2>"


def test_profile_shows_leave_requests_and_letters_sent(qtbot, ctx, school_year):
    from attendance_desktop.services.leave import leave_decisions, leave_records, leave_requests
    from attendance_desktop.services.letters import letter_service

    _oak, _ash, ids = _school(ctx.engine)
    ada = ids["Ada"]
    now = dt.datetime(2025, 11, 20, 10, 0)
    request = leave_requests.submit_request(ctx.engine, OFFICE, leave_records.RequestInput(
        pupil_id=ada, requested_by="Mrs Brook", relationship="Mother",
        received_date=dt.date(2025, 11, 3), first_date=dt.date(2025, 12, 1),
        last_date=dt.date(2025, 12, 1), ground="M", reason="Hospital appointment"), now=now)
    leave_decisions.decide(ctx.engine, HEAD, request, "granted", decided_on=now.date(), now=now)
    letter_service.record_letter(ctx.engine, HEAD, "first_day_absence", [ada], today=now.date(),
                                 extra={"absence_date": "Wednesday 19 November"})

    w = _widget(qtbot, ctx)
    w.show_pupil(ada)
    _read()
    profile = w.profile
    leave = profile.leave_table
    assert leave.rowCount() == 1
    assert "01 Dec 2025" in leave.item(0, 0).text()
    assert leave.item(0, 1).text() == "M"
    assert leave.item(0, 2).text() == "2"
    assert "Granted" in leave.item(0, 3).text()
    assert not profile.letters.is_built  # built, and read, when its tab is first shown
    profile.tabs.setCurrentWidget(profile.letters)
    _read()
    letters = profile.letters.content
    assert letters.table.rowCount() == 1
    assert "Brook" in letters.table.item(0, 2).text()
    w.show_pupil(ids["Ben"])
    _read()
    assert profile.leave_table.rowCount() == 0
    assert letters.table.rowCount() == 0
