"""Without term dates the Today board, Trackers and Reports say so plainly; the Reports
page saves the census figures."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog

from attendance_desktop.gui.reports.reports_widget import ReportsWidget
from attendance_desktop.gui.today_widget import TodayWidget
from attendance_desktop.gui.trackers.board_widget import TrackersWidget
from attendance_desktop.services.demo import demo_service
from tests.gui.conftest import save_screenshot
from tests.services.tracker_data import add_pupil

MESSAGE = ("no term dates cover 20/11/2025: set them in Settings or with "
           "`calendar import`")


def test_trackers_without_term_dates_say_so(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    add_pupil(ctx.engine, "Ada", "Nodates", "A400000000099")
    board = TrackersWidget(ctx)
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: board.loader.loads > 0 and not board.loader.busy, timeout=10_000)
    assert MESSAGE in board.heading.text()
    assert board.model.rowCount() == 0
    assert not board.open_button.isEnabled()
    save_screenshot(board, "trackers_no_term_dates")


def test_trackers_with_term_dates_list_pupils(qtbot, ctx, school_year) -> None:  # type: ignore[no-untyped-def]
    add_pupil(ctx.engine, "Ada", "Dated", "A400000000098")
    board = TrackersWidget(ctx)
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: board.loader.loads > 0 and not board.loader.busy, timeout=10_000)
    assert "no term dates" not in board.heading.text()
    assert "of 1 pupils" in board.heading.text()


def test_today_without_term_dates_says_so(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    page = TodayWidget(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.loader.loads > 0 and not page.loader.busy, timeout=10_000)
    assert MESSAGE in page.heading.text()
    assert page.registers_note.text() == MESSAGE


def test_reports_without_term_dates_say_so(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    page = ReportsWidget(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.report is not None and page.build_button.isEnabled(),
                    timeout=10000)
    assert MESSAGE in page.summary.text()
    assert page.period.currentText() == "Custom dates…"
    save_screenshot(page, "reports_no_term_dates")


def test_reports_census_export(qtbot, ctx, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    demo_service.create_demo(ctx.engine, seed=2026, pupils=30, today=dt.date(2025, 11, 20))
    page = ReportsWidget(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.report is not None and page.build_button.isEnabled(),
                    timeout=10000)
    assert "no term dates" not in page.summary.text()
    offered: list[str] = []

    def pick(_parent, _title, _label, items, *_a):  # type: ignore[no-untyped-def]
        offered.extend(items)
        return next(i for i in items if i.startswith("Autumn 2025/26")), True

    dest = tmp_path / "census.csv"
    monkeypatch.setattr(QInputDialog, "getItem", pick)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(dest), ""))
    page.census_button.click()
    assert offered[0].startswith("Summer 2024/25")  # the term the autumn census collects
    with dest.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 30
    assert {r["TermlyAttendancePeriod"] for r in rows} == {"Autumn 2025/26"}
    assert sum(int(r["SessionsPossible"]) for r in rows) > 0
    assert page.status.text().startswith("Saved census.csv: 30 pupils")
    page.resize(1366, 700)
    save_screenshot(page, "reports_census_export")
