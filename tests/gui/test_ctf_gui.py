"""CTF in the GUI: the import preview (sections, cancel, confirm), the Pupils page action,
previous-school attendance on the profile and Export CTF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import defusedxml.ElementTree as SafeET
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlmodel import func, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, PreviousAttendance, Pupil
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.pupils import ctf_import_dialog
from attendance_desktop.gui.pupils.ctf_import_dialog import CtfImportDialog
from attendance_desktop.gui.pupils.pupils_widget import PupilsWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.pupils import pupil_service
from tests.gui.conftest import SCREENSHOTS as SHOTS
from tests.services import ctf_files as f

OFFICE = Actor("Oli Office", Role.OFFICE, staff_id=2)


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def ctf_path(tmp_path: Path, *pupils: str) -> Path:
    att = "<Attendance>" + f.year(2024, 300, 280, 12, 8) + f.year(
        start="2025-09-01", marks=f.marks_from(dt.date(2025, 9, 1), {dt.date(2025, 9, 3): "U"},
                                               dt.date(2025, 10, 24))) + "</Attendance>"
    path = tmp_path / "from_brookfield.xml"
    path.write_text(f.ctf(*(pupils or (
        f.pupil(attendance=att),
        f.pupil(f.UPN_B, forename="Rory", dob="2019-01-09", nc="1", attendance=att,
                preferred="")))),
        encoding="utf-8")
    return path


def dialog(qtbot, ctx, path):  # type: ignore[no-untyped-def]
    ctx.actor = OFFICE
    d = CtfImportDialog(ctx, path)
    qtbot.addWidget(d)
    d.resize(1366, 768)
    d.show()
    return d


def rows(d) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(d.ui.tree.topLevelItemCount()):
        top = d.ui.tree.topLevelItem(i)
        out.append(f"{top.text(0)} | {top.text(1)}")
        out += [f"  {top.child(j).text(1)}" for j in range(top.childCount())]
    return out


def test_preview_then_cancel_saves_nothing(qtbot, ctx, tmp_path):
    d = dialog(qtbot, ctx, ctf_path(tmp_path))
    shown = rows(d)
    assert f"Izzy Marwood\n{f.UPN_A} | New pupil" in shown
    assert "  Legal forename: Isla" in shown
    assert "  Date of birth: 03/04/2017" in shown
    assert any(r.startswith("  Contact added: Ms Jane Marwood (Mother") for r in shown)
    assert any(r.startswith("  Previous school: 2025/26 at Brookfield") for r in shown)
    assert "2 pupils: 2 new" in d.ui.summary.text()
    assert d.ui.import_button.isEnabled()
    SHOTS.mkdir(parents=True, exist_ok=True)
    d.grab().save(str(SHOTS / "ctf_preview.png"))
    d.sections["contacts"].setChecked(False)
    d.sections["attendance"].setChecked(False)
    assert not any("Contact added" in r or "Previous school" in r for r in rows(d))
    d.sections["details"].setChecked(False)
    assert d.ui.error.text() == "Choose at least one section to import."
    assert not d.ui.import_button.isEnabled()
    qtbot.mouseClick(d.ui.buttons.button(d.ui.buttons.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert not d.isVisible()
    assert count(ctx.engine, Pupil) == 0
    assert count(ctx.engine, PreviousAttendance) == 0


def test_confirm_saves_only_the_chosen_sections(qtbot, ctx, tmp_path):
    d = dialog(qtbot, ctx, ctf_path(tmp_path))
    d.sections["attendance"].setChecked(False)
    qtbot.mouseClick(d.ui.import_button, Qt.MouseButton.LeftButton)
    assert d.result() == d.DialogCode.Accepted
    assert d.result_text.startswith("Imported the CTF: 2 pupils added")
    assert count(ctx.engine, Pupil) == 2
    assert count(ctx.engine, Contact) == 2  # siblings share their parents
    assert count(ctx.engine, PreviousAttendance) == 0
    # the same file again: warned, and "No" saves nothing more
    again = dialog(qtbot, ctx, d.path)
    assert again.ui.warning.isVisible()
    assert "this same file was imported on 20 Nov 2025" in again.ui.warning.text()
    asked = []
    qtbot_patch = QMessageBox.question
    try:
        QMessageBox.question = lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No
        qtbot.mouseClick(again.ui.import_button, Qt.MouseButton.LeftButton)
    finally:
        QMessageBox.question = qtbot_patch
    assert asked
    assert again.isVisible()


def test_problems_are_listed_and_import_is_off(qtbot, ctx, tmp_path):
    d = dialog(qtbot, ctx, ctf_path(tmp_path, f.pupil(sex="Q"), f.pupil(f.UPN_B, dob="x")))
    assert rows(d) == [f"Problem | pupil {f.UPN_A}, <Sex>: 'Q' is not M or F",
                       f"Problem | pupil {f.UPN_B}, <DOB>: 'x' is not a date (YYYY-MM-DD)"]
    assert d.ui.error.text().startswith("2 problems in the file")
    assert not d.ui.import_button.isEnabled()
    attack = tmp_path / "attack.xml"
    attack.write_text('<!DOCTYPE CTfile SYSTEM "http://example.com/x.dtd"><CTfile/>',
                      encoding="utf-8")
    d2 = dialog(qtbot, ctx, attack)
    assert "refers to an external DTD" in d2.ui.error.text()
    assert not d2.ui.import_button.isEnabled()


def test_pupils_page_import_and_profile_history_and_export(qtbot, ctx, tmp_path, monkeypatch):
    path = ctf_path(tmp_path)
    ctx.actor = OFFICE
    w = PupilsWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1366 - 170, 720)
    w.show()
    assert wait_idle(10)  # the list is read on the serial worker
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))

    def run_dialog(self):  # the user presses Import in the preview
        qtbot.mouseClick(self.ui.import_button, Qt.MouseButton.LeftButton)
        return self.result()

    monkeypatch.setattr(ctf_import_dialog.CtfImportDialog, "exec", run_dialog)
    qtbot.mouseClick(w.ctf_import, Qt.MouseButton.LeftButton)
    assert wait_idle(10)
    assert told[0].startswith("Imported the CTF: 2 pupils added")
    assert w.model.rowCount() == 2
    izzy = next(p for p in pupil_service.list_pupils(ctx.engine) if p.upn == f.UPN_A)
    w.show_pupil(izzy.id)
    assert wait_idle(10)
    table = w.profile.previous
    assert table.rowCount() == 2
    assert [table.item(0, c).text() for c in range(8)] == [
        "2025/26", "Brookfield Primary (201/2999)", "60", "50", "4", "6", "83.3%",
        "80 from 01/09/2025"]
    w.profile.tabs.setCurrentWidget(table)
    SHOTS.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(SHOTS / "ctf_profile.png"))
    out = tmp_path / "leaver.xml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    from attendance_desktop.gui.pupils import ctf_profile

    monkeypatch.setattr(ctf_profile.CtfExportDialog, "exec", lambda self: (
        self.ui.lea.setText("201"), self.ui.estab.setText("2998"), self._save(), self.result())[-1])
    qtbot.mouseClick(w.profile.ctf_button, Qt.MouseButton.LeftButton)
    root = SafeET.parse(out).getroot()
    assert root.findtext("Header/SourceSchool/Estab") == "2998"
    assert root.findtext("CTFpupilData/Pupil/UPN") == f.UPN_A
    assert told[-1].startswith(f"Wrote {out}: CTF 25.0")


def test_read_only_users_cannot_import(qtbot, ctx):
    ctx.actor = Actor("Rea Der", Role.READONLY)
    w = PupilsWidget(ctx)
    qtbot.addWidget(w)
    assert wait_idle(10)  # enabled or not once the list has come
    assert not w.ctf_import.isEnabled()
