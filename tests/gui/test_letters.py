"""Letters screens: choose pupils, preview, make a batch off the GUI thread, cancel, print,
edit templates, and the letters log."""

from __future__ import annotations

import io
import threading

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import LetterLog
from attendance_desktop.gui.letters.letters_widget import LettersWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.letters import letter_facts, letter_service, template_store
from attendance_desktop.services.school import policy_service
from tests.gui.conftest import save_screenshot
from tests.services.letters.test_letter_service import (
    _band_on_running_period,
    build_school,
    pdf_text,
)


@pytest.fixture
def school(ctx, built_once):  # type: ignore[no-untyped-def]
    """build_school's figures are Autumn 2's, the half term under way on 20 Nov: this
    school bands on the running period (the board and the letters both use it)."""
    ids = built_once(ctx.engine, build_school)
    _band_on_running_period(ctx.engine)
    return ids


@pytest.fixture
def messages(monkeypatch):  # type: ignore[no-untyped-def]
    """Record message boxes instead of showing them; `answers` sets question replies."""
    seen: dict[str, list[str]] = {"information": [], "warning": [], "question": []}
    answers: list[QMessageBox.StandardButton] = []

    def info(_parent, _title, text, *a, **k):  # type: ignore[no-untyped-def]
        seen["information"].append(text)
        return QMessageBox.StandardButton.Ok

    def warn(_parent, _title, text, *a, **k):  # type: ignore[no-untyped-def]
        seen["warning"].append(text)
        return QMessageBox.StandardButton.Ok

    def question(_parent, _title, text, *a, **k):  # type: ignore[no-untyped-def]
        seen["question"].append(text)
        return answers.pop(0) if answers else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "information", info)
    monkeypatch.setattr(QMessageBox, "warning", warn)
    monkeypatch.setattr(QMessageBox, "question", question)
    seen["answers"] = answers  # type: ignore[assignment]
    return seen


def _widget(qtbot, ctx) -> LettersWidget:  # type: ignore[no-untyped-def]
    w = LettersWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1190, 700)
    w.show()
    assert wait_idle(30)  # the pupil list loads on the serial worker
    return w


def _choose(send, key: str, mode: str, ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    send.select_template(key)
    assert wait_idle(30)
    send.mode_combo.setCurrentIndex(send.mode_combo.findData(mode))
    assert wait_idle(30)
    send.tick_pupils(ids)
    assert wait_idle(30)


def _make(qtbot, send) -> None:  # type: ignore[no-untyped-def]
    send.make_letters()
    assert send.task is not None
    qtbot.waitUntil(lambda: not send.task.running, timeout=20000)


def test_half_termly_reports_for_everyone(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    w = _widget(qtbot, ctx)
    send = w.send
    _choose(send, "half_termly_report", "all", list(school.values()))
    assert send.count_label.text() == "5 pupils ticked"
    qtbot.waitUntil(lambda: not send.preview.pixmap().isNull(), timeout=5000)
    assert "first letter" in send.preview_title.text()
    save_screenshot(w, "letters_make")
    _make(qtbot, send)
    assert send.result is not None
    assert send.result.letters_made == 5  # Amy and Ben share one letter; Dan's two homes
    assert "5 letters were made" in messages["information"][-1]
    assert "no contact with parental responsibility" in messages["information"][-1]
    assert send.print_button.isEnabled()
    assert send.result.combined_pdf.exists()
    log = letter_service.letters_for_pupil(ctx.engine, school["ben"])
    assert log[0].addressee == "Mrs and Mr Example"


def test_every_lower_amber_pupil_is_listed_and_ticked(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    w = _widget(qtbot, ctx)
    send = w.send
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("band"))
    assert wait_idle(30)
    send.group_combo.setCurrentIndex(send.group_combo.findData("lower_amber"))
    assert wait_idle(30)
    assert send.ticked_ids() == [school["amy"]]
    send.group_combo.setCurrentIndex(send.group_combo.findData("red"))
    assert wait_idle(30)
    assert send.ticked_ids() == [school["cara"]]
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("class"))
    assert wait_idle(30)
    send.group_combo.setCurrentIndex(send.group_combo.findText("Oak (2)"))
    assert wait_idle(30)
    assert sorted(send.ticked_ids()) == sorted([school["amy"], school["cara"]])
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("all"))
    assert wait_idle(30)
    assert send.ticked_ids() == []  # picked by hand
    send.search.setText("ben")
    send.tick_all.click()
    assert send.ticked_ids() == [school["ben"]]


def test_the_period_can_be_chosen(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    w = _widget(qtbot, ctx)
    send = w.send
    send.select_template("half_termly_report")
    assert wait_idle(30)
    assert send.period().name == "Autumn 2"
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("band"))
    assert wait_idle(30)
    send.group_combo.setCurrentIndex(send.group_combo.findData("red"))
    assert wait_idle(30)
    assert send.ticked_ids() == [school["cara"]]
    names = [send.period_combo.itemData(i).name for i in range(send.period_combo.count())]
    assert names[:2] == ["Autumn 2", "Autumn 1"]
    send.period_combo.setCurrentIndex(1)  # no marks before November in this school
    assert send.ticked_ids() == []
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("all"))
    assert wait_idle(30)
    send.tick_pupils([school["amy"]])
    assert wait_idle(30)
    _make(qtbot, send)
    text = pdf_text(letter_service.letter_pdf(
        ctx.engine, letter_service.list_letters(ctx.engine)[0].id))
    assert "report for Amy for Autumn 1" in text


def test_meeting_details_are_asked_for(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    w = _widget(qtbot, ctx)
    send = w.send
    _choose(send, "attendance_panel_invite", "class", [])
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("all"))
    assert wait_idle(30)
    send.tick_pupils([school["cara"]])
    assert wait_idle(30)
    assert set(send.inputs) == {"meeting_date", "meeting_time", "meeting_place"}
    send.make_letters()
    assert "Please fill in" in messages["warning"][-1]
    send.inputs["meeting_date"].setText("Tuesday 2 December 2025")
    send.inputs["meeting_time"].setText("3.30pm")
    send.inputs["meeting_place"].setText("the library")
    send.refresh_preview()
    assert wait_idle(30)
    save_screenshot(w, "letters_meeting")
    _make(qtbot, send)
    pdf = letter_service.letter_pdf(ctx.engine, letter_service.list_letters(ctx.engine)[0].id)
    text = pdf_text(pdf)
    assert "Tuesday 2 December 2025" in text
    assert "the library" in text


def test_repeat_within_the_policy_period_is_confirmed_once(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    w = _widget(qtbot, ctx)
    send = w.send
    _choose(send, "concern_lower_amber", "all", [school["amy"]])
    _make(qtbot, send)
    send.tick_pupils([school["amy"], school["cara"]])
    assert wait_idle(30)
    send.include_pupil(school["cara"], "Cara's family asked for the same letter as Amy's")
    assert wait_idle(30)
    messages["answers"].append(QMessageBox.StandardButton.No)  # leave the repeat out
    _make(qtbot, send)
    assert len(messages["question"]) == 1
    assert "Amy Example" in messages["question"][0]
    assert "Cara" not in messages["question"][0]
    assert send.result.letters_made == 1
    assert send.result.skipped_repeats == 1
    assert len(letter_service.letters_for_pupil(ctx.engine, school["amy"])) == 1


def test_cancel_in_the_progress_dialog_stops_the_batch(qtbot, ctx, school, messages,  # type: ignore[no-untyped-def]
                                                        monkeypatch) -> None:
    gate = threading.Event()
    real = letter_service.run_batch

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        gen = real(*args, **kwargs)
        yield next(gen)
        gate.wait(5)
        yield from gen
        return None

    monkeypatch.setattr(letter_service, "run_batch", slow)
    w = _widget(qtbot, ctx)
    send = w.send
    _choose(send, "half_termly_report", "all", list(school.values()))
    send.make_letters()
    qtbot.waitUntil(send.task.dialog.isVisible, timeout=5000)
    save_screenshot(send.task.dialog, "letters_progress")
    send.task.dialog.findChild(QPushButton).click()
    gate.set()
    qtbot.waitUntil(lambda: not send.task.running, timeout=10000)
    assert "Cancelled" in send.status.text()
    with session_scope(ctx.engine) as s:
        assert s.exec(select(LetterLog)).all() == []
    assert not send.print_button.isEnabled()


def test_print_sends_every_page_to_the_printer(qtbot, ctx, school, messages, tmp_path,  # type: ignore[no-untyped-def]
                                               monkeypatch) -> None:
    out = tmp_path / "printed.pdf"

    def printer() -> QPrinter:
        p = QPrinter(QPrinter.PrinterMode.HighResolution)
        p.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        p.setOutputFileName(str(out))
        return p

    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    w = _widget(qtbot, ctx)
    send = w.send
    send.printer_factory = printer
    _choose(send, "concern_red", "all", [school["cara"], school["amy"]])
    send.include_pupil(school["amy"], "Amy's attendance is falling fast")  # lower amber
    _make(qtbot, send)
    send.print_letters()
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 2
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Cara" in text
    assert "Amy" in text


def test_template_editor_refuses_unknown_fields_and_resets(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    w = _widget(qtbot, ctx)
    w.tabs.setCurrentWidget(w.templates)
    ed = w.templates
    ed.select("concern_red")
    original = ed.body.toPlainText()
    ed.body.setPlainText("{salutation},\n\nWe miss {forname}.")
    ed.save()
    assert "{forname} is not a merge field" in messages["warning"][-1]
    assert "did you mean {forename}" in ed.problems.text()
    assert template_store.get_template(ctx.engine, "concern_red").body == original
    # double-clicking a merge field inserts it at the cursor
    ed.body.setPlainText("{salutation},\n\nWe miss ")
    cursor = ed.body.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    ed.body.setTextCursor(cursor)
    item = ed.fields.findItems("{forename}", Qt.MatchFlag.MatchExactly)[0]
    ed.fields.itemDoubleClicked.emit(item)
    assert ed.body.toPlainText().endswith("We miss {forename}")
    ed.save()
    assert template_store.get_template(ctx.engine, "concern_red").body.endswith("{forename}")
    assert "(edited)" in ed.list.currentItem().text()
    save_screenshot(w, "letters_templates")
    dialog = ed.preview()  # unsaved wording, laid out for the first pupil on roll
    qtbot.addWidget(dialog)
    assert len(dialog.page_labels) == 1
    assert dialog.note.text() == ""  # shown for Cara, the one pupil a red letter fits
    save_screenshot(dialog, "letters_template_preview")
    dialog.close()
    ed.select("concern_upper_amber")  # fits no one in this school: the preview says so
    dialog = ed.preview()
    qtbot.addWidget(dialog)
    assert "No pupil fits this letter today" in dialog.note.text()
    save_screenshot(dialog, "letters_template_preview_unfit")
    dialog.close()
    ed.select("concern_red")
    messages["answers"].append(QMessageBox.StandardButton.Yes)
    ed.reset()
    assert template_store.get_template(ctx.engine, "concern_red").is_default
    assert ed.body.toPlainText() == original


def test_letters_log_filters_and_opens_the_kept_pdf(qtbot, ctx, school, messages,  # type: ignore[no-untyped-def]
                                                    monkeypatch) -> None:
    opened = []
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    w = _widget(qtbot, ctx)
    _choose(w.send, "half_termly_report", "all", list(school.values()))
    _make(qtbot, w.send)
    _choose(w.send, "concern_red", "all", [school["cara"]])
    _make(qtbot, w.send)
    w.tabs.setCurrentWidget(w.log)
    log = w.log
    assert log.table.rowCount() == 6
    log.type_combo.setCurrentIndex(log.type_combo.findData("concern_red"))
    assert log.table.rowCount() == 1
    log.type_combo.setCurrentIndex(0)
    log.pupil.setText("ben")
    shown = [r for r in range(log.table.rowCount()) if not log.table.isRowHidden(r)]
    assert len(shown) == 1
    assert log.count.text() == "1 letter"
    log.table.selectRow(shown[0])
    save_screenshot(w, "letters_log")
    log.open_pdf()
    path = opened[0].toLocalFile()
    with open(path, "rb") as fh:
        assert "Ben Example" in pdf_text(fh.read())


def test_pupil_letters_view_for_a_profile(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.gui.letters.letter_log_widget import LetterLogWidget

    letter_service.record_letter(ctx.engine, ctx.actor, "concern_red", [school["cara"]],
                                 today=ctx.today())
    letter_service.record_letter(ctx.engine, ctx.actor, "concern_lower_amber", [school["amy"]],
                                 today=ctx.today())
    view = LetterLogWidget(ctx, pupil_id=school["cara"])
    qtbot.addWidget(view)
    assert view.table.rowCount() == 1
    assert view.table.item(0, 2).text() == "Cara Other"
    assert view.pupil.isHidden()


def test_main_window_letters_area(qtbot, ctx, school) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.gui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show_area(win.area_index("Letters"))
    assert isinstance(win.current_page(), LettersWidget)


def _autumn_two(send) -> None:  # type: ignore[no-untyped-def]
    """The half term with the school's marks, whichever period the page starts on."""
    names = [send.period_combo.itemData(i).name for i in range(send.period_combo.count())]
    send.period_combo.setCurrentIndex(names.index("Autumn 2"))
    assert wait_idle(30)


def test_pupils_a_letter_does_not_fit_are_listed_and_the_head_can_include_one(  # type: ignore[no-untyped-def]
        qtbot, ctx, school, messages, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    from attendance_desktop.services.records import audit_service
    from tests.conftest import HEAD

    w = _widget(qtbot, ctx)
    send = w.send
    _choose(send, "concern_red", "all", [school["cara"], school["amy"], school["ben"]])
    _autumn_two(send)
    send.refresh_preview()
    assert wait_idle(30)
    assert send.unfit_box.isVisible()
    rows = [send.unfit_list.item(i).text() for i in range(send.unfit_list.count())]
    assert len(rows) == 2
    assert rows[0].startswith("Amy Example: 92.9% in Autumn 2 is in the Lower amber")
    assert rows[1].startswith("Ben Example: 100.0% in Autumn 2 is in the Green")
    assert "2 left out" in send.unfit_box.title()
    save_screenshot(w, "letters_unfit")
    # a blank reason (or Cancel) includes no one
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  ", True))
    send.unfit_list.item(0).setCheckState(Qt.CheckState.Checked)
    assert wait_idle(30)
    assert send.include_reasons == {}
    assert send.unfit_list.item(0).checkState() == Qt.CheckState.Unchecked
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *a, **k: ("Attendance fell sharply this week", True))
    send.unfit_list.item(0).setCheckState(Qt.CheckState.Checked)
    assert wait_idle(30)
    assert send.include_reasons == {school["amy"]: "Attendance fell sharply this week"}
    assert "1 included by the headteacher" in send.unfit_box.title()
    _make(qtbot, send)
    assert send.result.letters_made == 2  # Cara and Amy; Ben left out
    assert "1 pupil left out" in send.status.text()
    assert sorted(e.pupil_ids for e in letter_service.list_letters(ctx.engine)) == sorted(
        [(school["amy"],), (school["cara"],)])
    logged = [e for e in audit_service.list_access(ctx.engine, HEAD)
              if "outside its conditions" in e.what]
    assert len(logged) == 1
    assert "Attendance fell sharply this week" in logged[0].details


def test_only_the_head_can_include_a_pupil_it_does_not_fit(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import OFFICE

    ctx.actor = OFFICE
    w = _widget(qtbot, ctx)
    send = w.send
    _choose(send, "concern_red", "all", [school["amy"]])
    _autumn_two(send)
    send.refresh_preview()
    assert wait_idle(30)
    assert "fits none of the ticked pupils" in send.preview.text()
    send.unfit_list.item(0).setCheckState(Qt.CheckState.Checked)
    assert wait_idle(30)
    assert send.include_reasons == {}
    assert "Only the headteacher" in messages["information"][-1]
    send.make_letters()
    assert send.task is None
    assert "fits none" in send.status.text()


def test_letters_default_to_the_resolved_period(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    w = _widget(qtbot, ctx)
    send = w.send
    policy = policy_service.load_policy(ctx.engine)
    for key in ("concern_red", "certificate_full"):
        send.select_template(key)
        assert wait_idle(30)
        want = letter_facts.resolve_period(ctx.engine, policy, ctx.today())
        assert (send.period().start, send.period().end) == (want.start, want.end)


def test_choosing_by_band_a_band_letter_starts_on_its_band(qtbot, ctx, school, messages) -> None:  # type: ignore[no-untyped-def]
    w = _widget(qtbot, ctx)
    send = w.send
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("band"))
    assert wait_idle(30)
    send.select_template("concern_red")
    assert wait_idle(30)
    assert send.group_combo.currentData() == "red"
    send.select_template("concern_lower_amber")
    assert wait_idle(30)
    assert send.group_combo.currentData() == "lower_amber"
    send.select_template("half_termly_report")  # not a band letter: the band stays
    assert send.group_combo.currentData() == "lower_amber"
