"""The Reports page on the demo school: choose a period, read the tables, save CSV and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton

from attendance_desktop.domain.progress import Progress
from attendance_desktop.gui.main_window import MainWindow
from attendance_desktop.gui.reports.reports_widget import TAB_KEYS, ReportsWidget
from attendance_desktop.services.reports import report_service
from tests.conftest import no_automatic_backups
from tests.gui.conftest import save_screenshot


@pytest.fixture
def demo(ctx, demo_school):  # type: ignore[no-untyped-def]
    demo_school(ctx.engine, seed=2026, pupils=210, today=dt.date(2025, 11, 20))
    no_automatic_backups(ctx.engine)  # a main window is closed on it
    return ctx


def _built(qtbot, page: ReportsWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: page.report is not None and page.build_button.isEnabled(),
                    timeout=10000)


def _shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    QApplication.processEvents()  # let layouts take the new text before grabbing
    save_screenshot(widget, name)


def _rebuild(qtbot, page: ReportsWidget) -> None:  # type: ignore[no-untyped-def]
    old = page.report
    page.build_button.click()
    qtbot.waitUntil(lambda: page.report is not old and page.build_button.isEnabled(),
                    timeout=10000)


def test_reports_page_periods_exports_and_screenshots(qtbot, demo, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch) -> None:
    window = MainWindow(demo)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.nav.setCurrentRow(window.area_index("Reports"))
    page = window.current_page()
    assert isinstance(page, ReportsWidget)
    _built(qtbot, page)
    # opens on this half term so far
    assert page.report is not None
    assert page.report.period.kind == "half_term"
    assert page.report.period.end == dt.date(2025, 11, 20)
    assert "Attendance" in page.summary.text()
    _shot(window, "reports_half_term")

    # choose the whole of Autumn 1 and build
    i = page.period.findText("Autumn 1 2025/26 (half term)")
    assert i >= 0
    page.period.setCurrentIndex(i)
    assert not page.start.isEnabled()
    _rebuild(qtbot, page)
    report = page.report
    assert (report.period.start, report.period.end) == (dt.date(2025, 9, 3),
                                                         dt.date(2025, 10, 24))
    classes = page.tables["classes"]
    assert classes.rowCount() == len(report.classes) + 1 == 8  # whole school last
    assert classes.item(7, 0).text() == "Whole school"
    assert classes.item(0, 3).text() == f"{report.classes[0].attendance():.1f}%"
    page.tabs.setCurrentIndex(TAB_KEYS.index("classes"))
    _shot(window, "reports_classes")
    page.tabs.setCurrentIndex(TAB_KEYS.index("pupil_groups"))
    _shot(window, "reports_groups")
    page.tabs.setCurrentIndex(TAB_KEYS.index("persistent_absence"))
    pa_table = page.tables["persistent_absence"]
    assert pa_table.rowCount() == len(report.persistent) > 0
    first_name = report.persistent[0].name
    assert pa_table.item(0, 0).text() == first_name  # staff see names on screen
    _shot(window, "reports_persistent")

    # save the PA list as CSV: initials by default
    csv_path = tmp_path / "pa.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(csv_path), "CSV files (*.csv)")))
    page.csv_button.click()
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows[0][0].startswith("Persistent absence: Autumn 1 2025/26")
    assert len(rows) == 2 + len(report.persistent)
    assert first_name not in csv_path.read_text(encoding="utf-8-sig")
    assert rows[2][0].endswith(".")  # initials

    # every table at once into a folder
    folder = tmp_path / "governors"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folder)))
    page.all_csv_button.click()
    saved = sorted(p.name for p in folder.iterdir())
    assert len(saved) == len(TAB_KEYS)
    assert "Attendance 2025-09-03 to 2025-10-24 - By class.csv" in saved
    assert first_name not in "".join(p.read_text(encoding="utf-8-sig")
                                     for p in folder.iterdir())

    # the governors' PDF: figures present, names absent
    pdf_path = tmp_path / "governors.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(pdf_path), "PDF files (*.pdf)")))
    page.pdf_button.click()
    text = "\n".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages)
    assert f"{report.school.attendance():.1f}%" in text
    assert "Attendance by class" in text
    assert first_name not in text
    assert "Saved governors.pdf" in page.status.text()

    # custom dates with the end before the start: a clear message, nothing built
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _p, _t, text, *a, **k: warnings.append(text)))
    page.period.setCurrentIndex(page.period.count() - 1)
    assert page.start.isEnabled()
    page.start.setDate(dt.date(2025, 11, 14))
    page.end.setDate(dt.date(2025, 11, 10))
    page.build()
    assert warnings
    assert "before it starts" in warnings[0]
    assert page.report is report

    # custom dates the right way round, compulsory age only
    page.start.setDate(dt.date(2025, 11, 10))
    page.end.setDate(dt.date(2025, 11, 14))
    page.compulsory.setChecked(True)
    _rebuild(qtbot, page)
    assert page.report.period.kind == "custom"
    assert page.report.compulsory_only
    assert page.report.school.pupils < report.school.pupils  # reception under-fives left out
    page.tabs.setCurrentIndex(TAB_KEYS.index("weekdays"))
    _shot(window, "reports_custom_weekdays")

    # Enter on a pupil in the PA list opens their profile on the Pupils page
    page.tabs.setCurrentIndex(TAB_KEYS.index("persistent_absence"))
    pa_table = page.tables["persistent_absence"]
    pa_table.setFocus()
    pa_table.setCurrentCell(0, 0)
    opened: list[int] = []
    monkeypatch.setattr(window.navigator, "show_pupil", opened.append)
    qtbot.keyClick(pa_table, Qt.Key.Key_Return)
    assert opened == [page.report.persistent[0].pupil_id]


def test_cancel_stops_a_slow_build(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def slow_build(*_a, token, **_k):  # type: ignore[no-untyped-def]
        for i in range(500):  # five seconds at most if Cancel did nothing
            yield Progress(i, 500, "Counting")
            time.sleep(0.01)
        return None

    monkeypatch.setattr(report_service, "build_report", slow_build)
    page = ReportsWidget(ctx)  # starts building at once
    qtbot.addWidget(page)
    assert page.task is not None
    qtbot.waitUntil(lambda: page.task.running, timeout=2000)
    assert not page.build_button.isEnabled()
    qtbot.waitUntil(page.task.dialog.isVisible, timeout=2000)  # shown for a slow job
    page.task.dialog.findChild(QPushButton).click()  # its Cancel button
    qtbot.waitUntil(lambda: page.build_button.isEnabled(), timeout=3000)
    assert page.status.text() == "Cancelled: the report was not built."
    assert page.report is None
    assert not page.pdf_button.isEnabled()


def test_a_school_with_no_registers_says_so(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    page = ReportsWidget(ctx)  # no calendar, no pupils: custom dates, today
    qtbot.addWidget(page)
    _built(qtbot, page)
    assert page.period.currentText() == "Custom dates…"
    assert page.start.date().toPython() == dt.date(2025, 11, 20)
    assert "No register marks count in this period" in page.summary.text()
