"""Reports → Packs: each pack is built off the GUI thread for the period chosen on the
page, saved where asked (the LA return as PDF and CSV), and logged as an export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from attendance_desktop.gui.reports.reports_widget import ReportsWidget
from attendance_desktop.services.records import audit_service
from tests.conftest import HEAD
from tests.gui.conftest import save_screenshot


@pytest.fixture
def page(qtbot, ctx, demo_school):  # type: ignore[no-untyped-def]
    demo_school(ctx.engine, seed=2026, pupils=60, today=dt.date(2025, 11, 20), years=2)
    reports = ReportsWidget(ctx)
    qtbot.addWidget(reports)
    reports.resize(1366 - 170, 740)
    reports.show()
    qtbot.waitUntil(lambda: reports.report is not None and reports.build_button.isEnabled(),
                    timeout=20_000)
    return reports


@pytest.mark.parametrize(("key", "title", "files"), [
    ("governors", "Attendance report", [".pdf", ".csv"]),
    ("la_return", "Termly attendance return", [".pdf", ".csv"]),
    ("briefing", "Staff attendance briefing", [".pdf", ".csv"]),
])
@pytest.mark.slow
def test_each_pack_is_made_for_the_chosen_period_and_logged(  # type: ignore[no-untyped-def]
        qtbot, page, tmp_path: Path, key: str, title: str, files: list[str]) -> None:
    term = page.period.findText("This term", flags=Qt.MatchFlag.MatchStartsWith)
    page.period.setCurrentIndex(term)
    target = tmp_path / f"{key}.pdf"
    with qtbot.waitSignal(page.packs.saved, timeout=60_000) as saved:
        page.packs.make(key, str(target))
    assert saved.args[0].startswith("Saved ")
    for suffix in files:
        assert target.with_suffix(suffix).stat().st_size > 0
    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert title in text
    assert "Autumn 2025/26" in text
    logged = audit_service.list_access(page.ctx.engine, HEAD)
    assert {a.target for a in logged} >= {target.with_suffix(s).name for s in files}
    qtbot.waitUntil(page.packs.isEnabled, timeout=5_000)  # ready for the next pack
    assert [a.text() for a in page.packs.menu().actions()] == [
        "Governors' termly pack (PDF and CSV)…", "LA termly return (PDF and CSV)…",
        "Staff briefing (PDF and CSV)…"]
    save_screenshot(page, "reports_packs")
