"""Sign-in that resists a stolen file, and Settings → Records / Retention."""

from __future__ import annotations

import dataclasses
import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QMessageBox
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil, Staff
from attendance_desktop.domain.roles import Role
from attendance_desktop.gui import login_dialog
from attendance_desktop.gui.login_dialog import LoginDialog, has_staff_accounts
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.gui.settings.settings_widget import SettingsWidget
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.pupils import pupil_service
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.school import auth_service
from tests.conftest import HEAD
from tests.gui.conftest import save_screenshot


def _add_pupil(engine) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        p = Pupil(legal_forename="Ada", legal_surname="Real", dob=dt.date(2017, 5, 1),
                  year_group="3", admission_date=dt.date(2018, 9, 3),
                  leaving_date=dt.date(2019, 7, 19), leaving_reason="Moved")
        s.add(p)
        s.flush()
        s.add(Mark(pupil_id=p.id, date=dt.date(2019, 3, 4), session="AM", code="/",
                   entered_at=dt.datetime(2019, 3, 4, 9, 0)))
        return int(p.id)  # type: ignore[arg-type]


def test_pupils_without_a_usable_account_ask_for_the_head_account_first(qtbot, ctx):
    _add_pupil(ctx.engine)
    with session_scope(ctx.engine) as s:  # a disabled demo account does not count
        s.add(Staff(name="Demo Head", role="head", is_demo=True, active=False,
                    pin_hash=auth_service.hash_pin("1234")))
    assert has_staff_accounts(ctx.engine)  # so app._sign_in shows the dialog
    dialog = LoginDialog(ctx.engine, ctx.clock, school_name="Real Primary")
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.head_form
    assert form is not None
    save_screenshot(dialog, "first_head_account")
    form.name.setText("Pat Head")
    for weak in ("1234", "123456", "000000", "121212"):
        form.pin.setText(weak)
        form.again.setText(weak)
        form.create()
        assert dialog.actor is None
        assert "PIN" in form.message.text()
    form.pin.setText("284617")
    form.again.setText("284617")
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        form.create()
    assert dialog.actor is not None
    assert dialog.actor.role is Role.HEAD
    assert not auth_service.needs_head_account(ctx.engine)
    assert auth_service.sign_in(ctx.engine, dialog.actor.staff_id, "284617").name == "Pat Head"


def test_a_short_pin_must_be_changed_at_sign_in(qtbot, ctx, monkeypatch):
    with session_scope(ctx.engine) as s:  # made before the rules: 4 digits for the office
        row = Staff(name="Olly Office", role="office", pin_hash=auth_service.hash_pin("4719"))
        s.add(row)
        s.flush()
        office_id = row.id
    seen = []

    def change(self):  # type: ignore[no-untyped-def]
        seen.append(self)
        self.pin.setText("550913")
        self.again.setText("550913")
        self.save()
        return QDialog.DialogCode.Accepted if self.result() else QDialog.DialogCode.Rejected

    monkeypatch.setattr(login_dialog.ChangePinDialog, "exec", change)
    dialog = LoginDialog(ctx.engine, ctx.clock)
    qtbot.addWidget(dialog)
    dialog.pin.setText("4719")
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.try_sign_in()
    assert seen
    assert dialog.actor is not None
    assert auth_service.sign_in(ctx.engine, office_id, "550913").role is Role.OFFICE

    # Cancelling the change signs nobody in.
    monkeypatch.setattr(login_dialog.ChangePinDialog, "exec",
                        lambda self: QDialog.DialogCode.Rejected)
    with session_scope(ctx.engine) as s:
        s.get(Staff, office_id).pin_hash = auth_service.hash_pin("4719")
    again = LoginDialog(ctx.engine, ctx.clock)
    qtbot.addWidget(again)
    again.pin.setText("4719")
    again.try_sign_in()
    assert again.actor is None
    assert "must be changed" in again.message.text()


def test_settings_records_and_retention_tabs(qtbot, ctx, monkeypatch):
    pid = _add_pupil(ctx.engine)
    audit_service.record_export(ctx.engine, HEAD, "export marks", 12, "/tmp/marks.csv",
                                at=dt.datetime(2025, 11, 19, 14, 0))
    details = pupil_service.get_pupil(ctx.engine, pid).data
    pupil_service.update_pupil(ctx.engine, HEAD, pid,
                               dataclasses.replace(details, legal_surname="Realname"),
                               today=dt.date(2025, 11, 20))
    head = AppContext(paths=ctx.paths, engine=ctx.engine, clock=ctx.clock, actor=HEAD)
    page = SettingsWidget(head)
    qtbot.addWidget(page)
    page.show()
    assert wait_idle(10)  # the pages read on the serial worker
    assert page.show_section("records")
    rec = page.section("records")
    assert wait_idle(10)  # its first read
    rec.start.setDate(rec.start.date().addYears(-1))
    # The services stamp changes with the computer's clock, the page with the test's.
    rec.end.setDate(QDate(2030, 1, 1))
    rec.refresh()
    assert wait_idle(10)  # the pages read on the serial worker
    assert rec.access.rowCount() == 1
    assert rec.access.item(0, 2).text() == "export marks"
    assert rec.access.item(0, 4).text() == "marks.csv"  # the file name only
    surnames = [(rec.changes.item(r, 2).text(), rec.changes.item(r, 3).text(),
                 rec.changes.item(r, 4).text()) for r in range(rec.changes.rowCount())]
    assert ("Legal surname", "Real", "Realname") in surnames
    save_screenshot(page, "settings_records")
    rec.kind.setCurrentIndex(rec.kind.findData("print"))
    assert wait_idle(10)
    assert rec.access.rowCount() == 0

    assert page.show_section("retention")
    ret = page.section("retention")
    ret.refresh()  # today 20/11/2025: the 2019 mark is due, the leaver is too
    assert wait_idle(10)  # counted on the serial worker
    assert ret.years.rowCount() == 1
    assert ret.years.item(0, 1).text() == "1"
    assert ret.leavers.rowCount() == 1
    save_screenshot(page, "settings_retention")
    asked = []

    def answer(parent, title, text, *a):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    with qtbot.waitSignal(ret.removed, timeout=3000):
        ret.remove_button.click()
    assert wait_idle(10)
    assert "Remove 1 register entry dated" in asked[0]
    assert "of 1 leaver who left" in asked[0]
    assert ret.years.rowCount() == 0
    assert ret.leavers.rowCount() == 0
    with session_scope(ctx.engine) as s:
        assert s.exec(select(Mark)).all() == []
        assert s.get(Pupil, pid).legal_surname == f"#{pid}"


def test_records_and_retention_are_the_heads(qtbot, ctx):
    office = AppContext(paths=ctx.paths, engine=ctx.engine, clock=ctx.clock,
                        actor=auth_service.Actor("Olly", Role.OFFICE, 5))
    page = SettingsWidget(office)
    qtbot.addWidget(page)
    assert wait_idle(10)
    for key in ("records", "retention"):
        assert not page.tabs.isTabEnabled(page.tabs.indexOf(page.sections[key]))
        assert not page.show_section(key)
    assert not page.section("retention").remove_button.isEnabled()
    assert wait_idle(10)
