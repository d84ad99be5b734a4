"""Walk the first-start wizard from an empty database to a school with imported pupils."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWizard

from attendance_desktop.domain.roles import Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.gui.setup.welcome_dialog import WelcomeDialog
from attendance_desktop.gui.setup.wizard_dialog import SETUP_ACTOR, SetupWizard
from attendance_desktop.services.pupils import class_service, pupil_service
from attendance_desktop.services.register import grid_service
from attendance_desktop.services.school import (
    auth_service,
    calendar_service,
    policy_service,
    school_service,
    staff_service,
)
from tests.gui.conftest import save_screenshot

UPNS = [with_check_letter(f"8232001250{n:02d}") for n in range(1, 6)]
GOOD_CSV = "\n".join([
    "UPN,Legal Forename,Legal Surname,DOB,NC Year,Reg Group,Sex,Admission date",
    f"{UPNS[0]},Ada,Brook,15/01/2019,2,Oak,F,02/09/2023",
    f"{UPNS[1]},Ben,Carter,10/02/2016,5,Ash,M,04/09/2020",
    f"{UPNS[2]},Cara,Dale,03/06/2019,2,Oak,F,02/09/2023",
]) + "\n"
BAD_CSV = "\n".join([
    "UPN,Legal Forename,Legal Surname,DOB,NC Year,Reg Group",
    f"{UPNS[3]},Dan,Evans,15/01/2019,2,Oak",
    "X123,Eve,Fox,15/01/2019,2,Oak",
    f"{UPNS[4]},Finn,,31/02/2019,2,Oak",
]) + "\n"


def _next(qtbot, wizard: QWizard) -> int:
    before = wizard.currentId()
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.wait(10)
    return wizard.currentId() - before


def _shot(wizard: QWizard, name: str) -> None:
    save_screenshot(wizard, f"setup_{name}")


def _logo(tmp_path: Path) -> Path:
    image = QImage(300, 120, QImage.Format.Format_RGB32)
    image.fill(QColor("#2e7d32"))
    path = tmp_path / "logo.jpg"
    assert image.save(str(path), "JPEG")
    return path


def test_wizard_walks_from_empty_database_to_imported_pupils(qtbot, ctx, tmp_path,
                                                             monkeypatch):
    engine = ctx.engine
    assert school_service.needs_setup(engine)
    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.resize(1366, 768)
    wizard.show()
    school, policy, calendar, sessions, staff, classes, pupils, finish = wizard.pages

    # 1. School details: a bad URN is explained and blocks Next
    school.form.ui.name.setText("Brook Lane Primary")
    school.form.ui.urn.setText("12345")
    school.form.ui.local_authority.setText("Exshire")
    school.form.ui.head_name.setText("Pat Head")
    school.form.ui.lead_name.setText("Sam Lead")
    school.form.ui.address.setPlainText("1 Brook Lane\nExtown")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(_logo(tmp_path)), "")))
    school.form.ui.choose_logo.click()
    assert _next(qtbot, wizard) == 0
    assert "URN" in school.form.message.text()
    assert school.form.message.isVisible()
    _shot(wizard, "1_school_error")
    school.form.ui.urn.setText("123456")
    _shot(wizard, "1_school")
    assert _next(qtbot, wizard) == 1

    # 2. Policy: choose a preset, change a setting
    policy.editor.preset.setCurrentIndex(policy.editor.preset.findData("wessex"))
    policy.editor.apply_preset.click()
    policy.editor._editors["target_pct"].setValue(95.5)
    _shot(wizard, "2_policy")
    assert _next(qtbot, wizard) == 1

    # 3. Term dates: typical dates filled in for 2025/26, add an INSET day
    assert calendar.editor.term_dates().year_name == "2025/26"
    assert calendar.editor.holidays.count() >= 5  # bank holidays shown
    calendar.editor.inset_date.setDate(QDate(2026, 1, 5))
    calendar.editor.ui.add_inset.click()
    _shot(wizard, "3_term_dates")
    assert _next(qtbot, wizard) == 1

    # 4. Session times: the 30-minute rule is shown when broken and blocks Next
    assert sessions.form.times("am").late_after == dt.time(9, 0)  # Wessex preset times
    am_closes = sessions.form.edits["am"][2]
    am_closes.setTime(QTime(9, 45))
    assert "30 minutes" in sessions.form.message.text()
    assert _next(qtbot, wizard) == 0
    _shot(wizard, "4_session_times_error")
    am_closes.setTime(QTime(9, 15))
    assert not sessions.form.message.isVisible()
    _shot(wizard, "4_session_times")
    assert _next(qtbot, wizard) == 1

    # 5. Staff: a head account is needed before Next
    assert _next(qtbot, wizard) == 0
    assert "headteacher" in staff.message.text()
    assert staff.editor.ui.staffName.text() == "Pat Head"  # pre-filled from the school page
    staff.editor.ui.staffPin.setText("284617")
    staff.editor.ui.staffPin2.setText("284617")
    staff.editor.ui.addStaff.click()
    staff.editor.ui.staffName.setText("Oli Office")
    staff.editor.ui.staffRole.setCurrentIndex(staff.editor.ui.staffRole.findData("office"))
    staff.editor.ui.staffPin.setText("550913")
    staff.editor.ui.staffPin2.setText("550913")
    staff.editor.ui.addStaff.click()
    staff.editor.ui.staffName.setText("Tia Teacher")
    staff.editor.ui.staffRole.setCurrentIndex(staff.editor.ui.staffRole.findData("teacher"))
    staff.editor.ui.staffPin.setText("9753")
    staff.editor.ui.staffPin2.setText("9753")
    staff.editor.ui.addStaff.click()
    assert staff.editor.ui.staffTable.rowCount() == 3
    _shot(wizard, "5_staff")
    assert _next(qtbot, wizard) == 1

    # 6. Classes
    assert _next(qtbot, wizard) == 0
    classes.editor.ui.className.setText("Oak (Y1/2)")
    classes.editor.ui.teacher.setCurrentIndex(classes.editor.ui.teacher.findText(
        "Tia Teacher (Teacher)"))
    classes.editor.ui.addClass.click()
    classes.editor.ui.className.setText("Ash")
    classes.editor.ui.addClass.click()
    classes.editor.ui.classesTable.selectRow(0)
    classes.editor.ui.className.setText("Oak")
    classes.editor.ui.save_button.click()
    assert [c.name for c in class_service.list_classes(engine)] == ["Oak", "Ash"]
    _shot(wizard, "6_classes")
    assert _next(qtbot, wizard) == 1

    # 7. Pupils: a bad file shows every problem and saves nothing
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    good = tmp_path / "pupils.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    chosen = iter([str(bad), str(good)])
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (next(chosen), "")))
    importer = pupils.importer
    importer.choose.click()
    problems = [importer.problem_list.item(i).text()
                for i in range(importer.problem_list.count())]
    assert any("row 3" in p and "UPN" in p for p in problems)
    assert any("row 4" in p and "surname" in p.lower() for p in problems)
    assert any("row 4" in p and "31/02/2019" in p for p in problems)
    assert not importer.import_button.isEnabled()
    assert importer.table.item(1, 1).background().color() != QColor(Qt.GlobalColor.white)
    assert importer.combos["dob"].currentText() == "DOB"  # detected header
    _shot(wizard, "7_pupils_bad_csv")
    assert pupil_service.list_pupils(engine, include_leavers=True) == []
    importer.choose.click()
    assert importer.problem_list.count() == 0
    assert importer.import_button.isEnabled()
    _shot(wizard, "7_pupils_preview")
    with qtbot.waitSignal(importer.imported, timeout=10000):
        importer.import_button.click()
    assert "Imported 3 new" in importer.message.text()
    assert not importer.import_button.isEnabled()
    assert pupils.count.text() == "Pupils on roll: 3"
    _shot(wizard, "7_pupils_imported")
    assert _next(qtbot, wizard) == 1

    # 8. Finish
    assert "Brook Lane Primary" in finish.summary.text()
    assert "Pupils on roll:</b> 3" in finish.summary.text()
    _shot(wizard, "8_finish")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QDialog.DialogCode.Accepted

    info = school_service.get_school(engine)
    assert info.set_up_complete
    assert info.details.urn == "123456"
    assert info.details.logo_png.startswith(b"\x89PNG")
    saved = policy_service.load_policy(engine)
    assert saved.preset == "wessex"
    assert saved.target_pct == 95.5
    cal = calendar_service.load_calendar(engine)
    assert not cal.is_school_day(dt.date(2026, 1, 5))  # the INSET day
    assert [y.name for y in calendar_service.list_years(engine)] == ["2025/26"]
    assert {(s.name, s.role) for s in staff_service.list_staff(engine)} == {
        ("Pat Head", Role.HEAD), ("Oli Office", Role.OFFICE), ("Tia Teacher", Role.TEACHER)}
    head = next(s for s in staff_service.list_staff(engine) if s.role is Role.HEAD)
    assert auth_service.sign_in(engine, head.id, "284617").role is Role.HEAD
    oak = class_service.list_classes(engine)[0]
    assert (oak.name, oak.teacher_name, oak.pupil_count) == ("Oak", "Tia Teacher", 2)
    assert [p.name for p in pupil_service.list_pupils(engine, class_id=oak.id)] == [
        "Ada Brook", "Cara Dale"]
    assert not school_service.needs_setup(engine)
    # ... and the register for today is ready to take, with the imported pupils on it
    week = grid_service.load_snapshot(engine, dt.date(2025, 11, 17), dt.date(2025, 11, 21),
                                      oak.id)
    assert [p.name for p in week.pupils] == ["Brook, Ada", "Dale, Cara"]
    today_am = week.column_index(dt.date(2025, 11, 20), "AM")
    assert week.columns[today_am].open
    changes = school_service.recent_changes(engine)
    assert {c.area for c in changes} >= {"school", "policy", "calendar", "staff"}
    assert all(c.staff_name == "Set-up wizard" for c in changes if c.area != "pupils")


def test_wizard_pages_validate_and_back_is_safe(qtbot, ctx, monkeypatch):
    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    school = wizard.pages[0]
    assert _next(qtbot, wizard) == 0  # no name
    assert "School name" in school.form.message.text()
    school.form.ui.name.setText("Hill Top")
    assert _next(qtbot, wizard) == 1
    wizard.back()
    school.form.ui.name.setText("Hill Top Primary")
    assert _next(qtbot, wizard) == 1
    assert school_service.get_school(ctx.engine).details.name == "Hill Top Primary"
    # Calendar: a half term ending before it starts is refused with a clear message
    assert _next(qtbot, wizard) == 1
    cal = wizard.pages[2]
    first, last = cal.editor.halves[1][2], cal.editor.halves[1][3]
    last.setDate(first.date().addDays(-1))
    assert "Autumn 2: the last day is before the first day" in cal.editor.message.text()
    assert _next(qtbot, wizard) == 0
    assert calendar_service.list_years(ctx.engine) == []


def test_welcome_offers_demo_or_set_up(qtbot, ctx, monkeypatch):
    dialog = WelcomeDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.resize(760, 420)
    dialog.show()
    assert dialog.setup_button.isDefault()
    save_screenshot(dialog, "setup_0_welcome")
    opened = []
    monkeypatch.setattr(SetupWizard, "exec",
                        lambda self: opened.append(self) or QDialog.DialogCode.Rejected)
    dialog.setup_button.click()
    assert len(opened) == 1
    assert dialog.result() != QDialog.DialogCode.Accepted  # wizard cancelled: stay here


def test_welcome_creates_the_demo_school_off_the_gui_thread(qtbot, ctx, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    dialog = WelcomeDialog(ctx, demo_pupils=14)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.accepted, timeout=60000):
        dialog.demo_button.click()
    assert not school_service.needs_setup(ctx.engine)
    assert len(pupil_service.list_pupils(ctx.engine)) > 0


def test_first_start_only_when_the_database_is_new(qtbot, ctx, monkeypatch):
    from attendance_desktop.gui.setup import welcome_dialog

    shown = []
    monkeypatch.setattr(welcome_dialog.WelcomeDialog, "exec",
                        lambda self: shown.append(self) or QDialog.DialogCode.Rejected)
    assert welcome_dialog.run_first_start(ctx) is False  # new database, user quit
    assert len(shown) == 1
    shown[0].deleteLater()
    school_service.complete_setup(ctx.engine, SETUP_ACTOR)
    assert welcome_dialog.run_first_start(ctx) is True
    assert len(shown) == 1  # not shown again

