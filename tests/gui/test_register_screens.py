"""The register on the demo school at 1366x768: screenshots to look at, data checks with
"go there", and the amendments report saved as PDF and CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from attendance_desktop.gui.main_window import MainWindow
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import HEAD, clock_at, no_automatic_backups
from tests.gui.conftest import save_screenshot

THU = dt.date(2025, 11, 20)


@pytest.fixture
def demo_ctx(ctx, demo_school):
    demo_school(ctx.engine, pupils=210, today=THU)
    no_automatic_backups(ctx.engine)  # each test closes a main window on it
    return AppContext(paths=ctx.paths, engine=ctx.engine, actor=HEAD, clock=ctx.clock)


@pytest.fixture
def window(qtbot, demo_ctx):
    win = MainWindow(demo_ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.show_area(win.area_index("Register"))
    assert wait_idle(30)
    return win


def test_class_week_and_whole_school_term(qtbot, window):
    page = window.current_page()
    page.class_box.setCurrentIndex(1)
    assert wait_idle(30)
    assert page.model.rowCount() < 40
    save_screenshot(window, "register_class_week_demo")
    page.class_box.setCurrentIndex(0)
    assert wait_idle(30)
    page.span_box.setCurrentIndex(page.span_box.findData("term"))
    assert wait_idle(30)
    assert page.model.rowCount() >= 200
    assert page.view.currentIndex().isValid()
    save_screenshot(window, "register_school_term_demo")
    page.span_box.setCurrentIndex(page.span_box.findData("year"))
    assert wait_idle(30)
    assert page.model.columnCount() > 350


def test_data_checks_go_to_cell(qtbot, window, demo_ctx):
    page = window.current_page()
    snap = page.model.snap
    pupil = snap.pupils[3].id
    # a missing mark: take one away, recorded as a change with its reason
    day = dt.date(2025, 11, 18)
    clock_at(demo_ctx.engine, demo_ctx.now())
    rs.set_mark(demo_ctx.engine, HEAD, MarkChange(pupil, day, "PM", ""),
                reason="test: remove a mark")
    page.data_checks()
    dialog = page.checks_dialog
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.loader.loads > 0 and not dialog.loader.busy, timeout=10_000)
    dialog.ui.kind.setCurrentIndex(dialog.ui.kind.findData("missing"))
    rows = [r for r in range(dialog.ui.table.rowCount())
            if dialog.ui.table.item(r, 3).text() == f"{day:%a %d %b} PM"]
    assert rows
    dialog.ui.table.selectRow(rows[0])
    item = dialog.selected_item()
    assert (item.pupil_id, item.day, item.session) == (pupil, day, "PM")
    dialog.ui.kind.setCurrentIndex(0)
    save_screenshot(dialog, "register_data_checks")
    dialog.ui.kind.setCurrentIndex(dialog.ui.kind.findData("missing"))
    dialog.ui.table.selectRow(rows[0])
    dialog.go_there()
    assert wait_idle(30)
    idx = page.view.currentIndex()
    assert page.model.snap.pupils[idx.row()].id == pupil
    col = page.model.snap.columns[idx.column()]
    assert (col.day, col.session) == (day, "PM")
    # a pupil-record problem opens the pupil in the Pupils area
    dialog.ui.kind.setCurrentIndex(dialog.ui.kind.findData("contacts"))
    dialog.ui.table.selectRow(0)
    dialog.go_there()
    assert wait_idle(30)
    assert window.nav.currentRow() == window.area_index("Pupils")
    dialog.close()


def test_amendments_report_saved(qtbot, window, demo_ctx, tmp_path, monkeypatch):
    from attendance_desktop.gui.register.amendments_dialog import AmendmentsDialog

    pupil = window.current_page().model.snap.pupils[0].id
    rs.set_mark(demo_ctx.engine, HEAD, MarkChange(pupil, dt.date(2025, 11, 17), "AM", "M"),
                reason="Letter from the dentist")
    dialog = AmendmentsDialog(window, demo_ctx, dt.date(2025, 11, 17), dt.date(2025, 11, 20))
    qtbot.addWidget(dialog)
    assert "change(s)" in dialog.ui.count.text()
    infos: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda _p, _t, text, *a: infos.append(text)))
    for suffix in ("pdf", "csv"):
        target = tmp_path / f"report.{suffix}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *a, _t=target, **k: (str(_t), "")))
        (dialog.save_pdf if suffix == "pdf" else dialog.save_csv)()
        assert target.exists()
    text = (tmp_path / "report.csv").read_text(encoding="utf-8-sig")
    assert "Letter from the dentist" in text
    assert "Saved" in infos[-1]
    from pypdf import PdfReader

    pdf_text = PdfReader(str(tmp_path / "report.pdf")).pages[0].extract_text()
    assert "Letter from the dentist" in pdf_text
    (tmp_path / "report.pdf").replace(tmp_path.parent / "amendments_report_test.pdf")


def test_today_board_on_the_demo_school(qtbot, window):
    window.show_area(window.area_index("Today"))
    assert wait_idle(30)
    page = window.current_page()
    qtbot.waitUntil(lambda: page.board is not None, timeout=10_000)
    assert page.board.session == "AM"
    save_screenshot(window, "today_board_demo")


def test_amendments_report_prints(qtbot, window, demo_ctx, tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    from attendance_desktop.gui.register.amendments_dialog import AmendmentsDialog

    pupil = window.current_page().model.snap.pupils[0].id
    rs.set_mark(demo_ctx.engine, HEAD, MarkChange(pupil, dt.date(2025, 11, 18), "AM", "R"),
                reason="Religious festival agreed")
    dialog = AmendmentsDialog(window, demo_ctx, dt.date(2025, 11, 17), dt.date(2025, 11, 20))
    qtbot.addWidget(dialog)
    assert "Religious festival agreed" in dialog.report_html()
    target = tmp_path / "printed.pdf"

    def fake_exec(self):
        self.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.printer().setOutputFileName(str(target))
        return 1

    monkeypatch.setattr(QPrintDialog, "exec", fake_exec)
    dialog.print_report()
    assert target.stat().st_size > 1000


def test_context_menu_offers_the_cell_actions(qtbot, window):
    page = window.current_page()
    page._context_menu(page.view.visualRect(page.view.currentIndex()).center())
    texts = [a.text().split("\t")[0] for a in page.context_menu.actions()]
    assert "History of this mark…" in texts
    page.context_menu.close()
