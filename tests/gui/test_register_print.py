"""Print register… on the Register page saves the class's week or month as a PDF."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog, QMessageBox

from attendance_desktop.gui.register.register_widget import RegisterWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.demo import demo_service
from tests.conftest import OFFICE

THU = dt.date(2025, 11, 20)


def _page(qtbot, ctx, **kwargs) -> RegisterWidget:
    demo_service.create_demo(ctx.engine, pupils=60, today=THU)
    page = RegisterWidget(AppContext(paths=ctx.paths, engine=ctx.engine, actor=OFFICE,
                                     clock=ctx.clock), **kwargs)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    assert wait_idle(30)  # the grid is read on the serial worker
    return page


def test_print_the_class_week_and_month(qtbot, ctx, tmp_path, monkeypatch):
    page = _page(qtbot, ctx)
    page.class_box.setCurrentIndex(2)
    assert wait_idle(30)
    class_name = page.class_box.currentText()
    names = {p.name for p in page.model.snap.pupils}
    target = tmp_path / "out" / "register"
    target.parent.mkdir()
    asked: list[str] = []

    def fake_save(_parent, _title, suggested, _filter):
        asked.append(suggested)
        return str(target), "PDF (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    page.print_register()
    dialog = page.print_dialog
    assert dialog.ui.class_box.currentText() == class_name  # the class on screen
    assert dialog.period() == (dt.date(2025, 11, 17), dt.date(2025, 11, 21))
    dialog.save()
    assert asked[0].endswith(".pdf")
    saved = target.with_suffix(".pdf")
    assert saved.is_file()
    assert str(saved) in page.status.text()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages)
    assert f"Class register — {class_name} — 17 to 21 November 2025" in text
    assert all(name in text for name in names)
    assert "Printed by Test Office" in text
    # The month, every class, without totals.
    page.print_register()
    dialog = page.print_dialog
    dialog.ui.period_box.setCurrentIndex(1)
    dialog.ui.class_box.setCurrentIndex(dialog.ui.class_box.count() - 1)
    dialog.ui.totals.setChecked(False)
    assert len(dialog.class_ids()) == 7
    dialog.save()
    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    assert len(reader.pages) >= 7
    assert "1 to 30 November 2025" in reader.pages[0].extract_text()


def test_a_save_that_fails_says_why(qtbot, ctx, tmp_path, monkeypatch):
    page = _page(qtbot, ctx)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda *_a: (str(tmp_path / "no-such-folder" / "r.pdf"), "")))
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(
        lambda _p, _t, text, *a, **k: warned.append(text)))
    page.print_register()
    page.print_dialog.save()
    assert warned
    assert warned[0].startswith("Could not save the register")
    assert page.print_dialog.isVisible()  # still open to choose another place
