"""Settings → Benchmarks: import a statistics file (checked off the GUI thread, confirmed,
saved), type a figure in, remove one; office staff may only look; Reports show them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QDialog, QMessageBox

from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.settings.benchmarks_widget import BenchmarksPage, FigureDialog
from attendance_desktop.gui.settings.settings_widget import SettingsWidget
from attendance_desktop.services.reports import benchmark_service
from tests.conftest import clock_at
from tests.gui.conftest import save_screenshot
from tests.services.reports.test_benchmarks import GOOD, write

HEAD_ACTOR = Actor("Pat Head", Role.HEAD, staff_id=1)


def _settings(qtbot, ctx, actor=HEAD_ACTOR) -> SettingsWidget:  # type: ignore[no-untyped-def]
    """Settings open on Benchmarks (the test keeps the window; the page lives in it)."""
    ctx.actor = actor
    clock_at(ctx.engine, dt.datetime(2025, 11, 20, 10, 0))
    settings = SettingsWidget(ctx)
    qtbot.addWidget(settings)
    settings.resize(1366 - 170, 720)
    settings.show()
    assert settings.show_section("benchmarks")
    return settings


def test_import_reads_off_the_gui_thread_asks_then_saves(qtbot, ctx, tmp_path: Path,
                                                         monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(qtbot, ctx)
    page: BenchmarksPage = settings.section("benchmarks")
    asked: list[str] = []

    def answer(_parent, _title, text, *_a):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    page.la_code.setText("330")
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.import_file(str(write(tmp_path / "absence.csv", GOOD)))
    assert "4 figures found" in asked[0]
    assert "National whole year 2024/25: attendance 94.5%" in asked[0]
    assert page.table.rowCount() == 4
    cells = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert cells[:4] == ["2024/25", "Autumn term", "National (England)", "95.1%"]
    assert "4 figures new or changed" in page.message.text()
    save_screenshot(page.window(), "settings_benchmarks")


def test_a_bad_file_changes_nothing_and_says_where(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(qtbot, ctx)
    page: BenchmarksPage = settings.section("benchmarks")
    bad = write(tmp_path / "bad.csv", [GOOD[0].replace(",5.5,", ",five,")])
    page.import_file(str(bad))
    qtbot.waitUntil(lambda: page.task is None, timeout=10_000)
    assert "bad.csv: row 2, column 'sess_overall_percent'" in page.message.text()
    assert page.table.rowCount() == 0


def test_typing_in_and_removing_a_figure(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(qtbot, ctx)
    page: BenchmarksPage = settings.section("benchmarks")

    def fill(dialog: FigureDialog) -> int:
        dialog.area.setCurrentIndex(dialog.area.findData("la"))
        dialog.area_name.setText("Shire")
        dialog.year.setText("2024/25")
        dialog.period.setCurrentIndex(dialog.period.findData("year"))
        dialog.overall.setValue(6.2)
        dialog.persistent.setValue(16.0)
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(FigureDialog, "exec", fill)
    page.add_figure()
    assert page.table.item(0, 3).text() == "93.8%"
    assert page.table.item(0, 5).text() == "16.0%"
    assert page.table.item(0, 6).text() == "–"  # severe absence not given
    page.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Yes)
    page.remove_selected()
    assert page.table.rowCount() == 0
    assert benchmark_service.list_figures(ctx.engine) == []


def test_office_staff_can_look_but_not_change(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(qtbot, ctx, Actor("Oli Office", Role.OFFICE, staff_id=2))
    page: BenchmarksPage = settings.section("benchmarks")
    assert not page.import_button.isEnabled()
    assert not page.add_button.isEnabled()
    assert "headteacher" in page.add_button.toolTip()
