"""Charts on screen: each one draws with data, its table shows the same numbers, the
Reports page stays usable while they are counted, and dark palettes get dark charts."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QColor, QPalette

from attendance_desktop.gui.charts.chart_panel_widget import ChartPanelWidget
from attendance_desktop.gui.charts.colours import chart_colours
from attendance_desktop.gui.reports.reports_widget import ReportsWidget
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.reports import report_periods
from tests.gui.conftest import save_screenshot
from tests.services.chart_school import make_chart_school

WAIT = 20000


@pytest.fixture
def chart_ctx(ctx: AppContext, built_once) -> AppContext:  # type: ignore[no-untyped-def]
    built_once(ctx.engine, make_chart_school)  # built once per run, copied here
    return ctx


def dark_palette() -> QPalette:
    p = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#262626"),
                         (QPalette.ColorRole.WindowText, "#eeeeee"),
                         (QPalette.ColorRole.Base, "#1b1b1b"),
                         (QPalette.ColorRole.AlternateBase, "#2a2a2a"),
                         (QPalette.ColorRole.Text, "#f0f0f0"),
                         (QPalette.ColorRole.Button, "#333333"),
                         (QPalette.ColorRole.ButtonText, "#eeeeee"),
                         (QPalette.ColorRole.Mid, "#707070")):
        p.setColor(role, QColor(colour))
    return p


def _reports(qtbot, ctx: AppContext) -> ReportsWidget:  # type: ignore[no-untyped-def]
    w = ReportsWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.charts.charts is not None, timeout=WAIT)
    return w


def _plotted(panel: ChartPanelWidget) -> list[list[float]]:
    """The y values of every line drawn in a panel's chart."""
    import pyqtgraph as pg

    assert panel.chart is not None
    items = panel.chart.getPlotItem().listDataItems()  # type: ignore[attr-defined]
    return [[float(v) for v in item.yData] for item in items
            if isinstance(item, pg.PlotDataItem)]


def _image_colours(panel: ChartPanelWidget) -> int:
    image = panel.chart_host.grab().toImage()  # type: ignore[union-attr]
    return len({image.pixel(x, y) for x in range(0, image.width(), 7)
                for y in range(0, image.height(), 7)})


def test_every_report_chart_draws_and_its_table_matches(qtbot, chart_ctx) -> None:  # type: ignore[no-untyped-def]
    w = _reports(qtbot, chart_ctx)
    charts = w.charts.charts
    assert charts is not None
    w.tabs.setCurrentWidget(w.charts)
    expected = {"weekly": charts.weekly.table(), "monthly": charts.monthly.table(),  # type: ignore[union-attr]
                "bars": charts.from_report.bars.table(),
                "heatmap": charts.from_report.heatmap.table(),
                "codes": charts.from_report.code_mix.table()}
    for key, panel in w.charts.panels.items():
        w.charts.setCurrentWidget(panel)
        qtbot.waitUntil(lambda p=panel: p.chart is not None, timeout=WAIT)
        assert panel.table_text() == [list(r) for r in expected[key].rows], key
        assert panel.chart.accessibleName()  # type: ignore[union-attr]
        assert _image_colours(panel) > 4, f"{key} looks blank"
        save_screenshot(w, f"charts_{key}_light")
    # the weekly line is the table's numbers: this year 95.0% in week 10
    weekly = w.charts.panels["weekly"]
    assert _plotted(weekly)[0] == pytest.approx([95.0])
    assert weekly.table_text()[0][2] == "95.0%"
    # Save table as CSV on a chart tab saves that chart's numbers
    assert w.charts.current_table(w.charts) == expected["codes"]


def test_trends_and_same_point_last_year(qtbot, chart_ctx) -> None:  # type: ignore[no-untyped-def]
    w = _reports(qtbot, chart_ctx)
    trends = w.charts.trends
    w.tabs.setCurrentWidget(trends)
    qtbot.waitUntil(lambda: trends.panel.chart is not None, timeout=WAIT)
    assert trends.panel.table_text() == [["Whole school", "76.7%", "96.7%", "95.0%"]]
    assert _plotted(trends.panel)[0] == pytest.approx([100 * 23 / 30, 100 * 29 / 30, 95.0])
    trends.kind.setCurrentIndex(trends.kind.findData("year_groups"))
    rows = {r[0]: r[1:] for r in trends.panel.table_text()}
    assert rows["Year 3"] == ["–", "100.0%", "90.0%"]
    assert len(_plotted(trends.panel)) == 6  # Year 1 to Year 6
    trends.measure.setCurrentIndex(trends.measure.findData("pa"))
    assert trends.panel.table_text()[0][0] == "Year 1"
    save_screenshot(w, "charts_trends_light")
    # the period on show is "this half term" (Autumn 2 to 20 Nov 2025): last year's
    # Autumn 2 to the same school day, 4 to 21 Nov 2024 (Ann and Ben 100%, Cal 90%)
    same = [r for r in trends.same.table_text() if r[0] == "Whole school"]
    assert same[0][1:] == ["Attendance %", "95.0%", "96.7%", "−1.7 pts"]
    assert "Same point last year (04/11/2024 to 21/11/2024): attendance 96.7% (−1.7 pts)" \
        in w.summary.text()


def test_reports_usable_while_charts_count(qtbot, chart_ctx) -> None:  # type: ignore[no-untyped-def]
    w = ReportsWidget(chart_ctx)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.report is not None, timeout=WAIT)
    # the report's tables are filled and Build works before the charts arrive
    assert w.tables["whole_school"].rowCount() == 1
    assert w.build_button.isEnabled()
    qtbot.waitUntil(lambda: w.charts.charts is not None, timeout=WAIT)
    # a newer report replaces the charts (the older count is cancelled or ignored)
    w.period.setCurrentIndex(1)
    w.build()
    qtbot.waitUntil(lambda: not w.charts.loading and w.report is not None
                    and w.report.period == w.options[1], timeout=WAIT)
    qtbot.waitUntil(lambda: not w.charts.loading, timeout=WAIT)
    assert w.charts.charts is not None
    assert w.charts.charts.same_point.now.period.start == w.options[1].start


def test_dark_palette_draws_dark_charts(qtbot, qapp, request, chart_ctx) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.gui import theme

    theme.apply_theme(qapp, "dark")  # as the app does: the whole app's palette and style
    request.addfinalizer(lambda: theme.apply_theme(qapp, "light"))
    w = _reports(qtbot, chart_ctx)
    w.tabs.setCurrentWidget(w.charts)
    for key, panel in w.charts.panels.items():
        w.charts.setCurrentWidget(panel)
        qtbot.waitUntil(lambda p=panel: p.chart is not None, timeout=WAIT)
        colours = chart_colours(panel.palette())
        assert colours.dark
        image = panel.chart.grab().toImage()  # type: ignore[union-attr]
        corner = QColor(image.pixel(3, 3))
        assert corner.lightness() < 60, f"{key}: background {corner.name()}"
        assert _image_colours(panel) > 4
        save_screenshot(w, f"charts_{key}_dark")
    w.tabs.setCurrentWidget(w.charts.trends)
    qtbot.waitUntil(lambda: w.charts.trends.panel.chart is not None, timeout=WAIT)
    save_screenshot(w, "charts_trends_dark")
    # text on the heat map's strongest cell is readable (white on dark orange, etc.)
    hot = chart_colours(dark_palette()).heat(1.0)
    assert chart_colours(dark_palette()).text_on(hot) in (QColor("#000000"), QColor("#FFFFFF"))


def test_pupil_profile_chart(qtbot, chart_ctx) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.gui.pupils.pupils_widget import PupilsWidget
    from attendance_desktop.gui.serial_worker import wait_idle

    w = PupilsWidget(chart_ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    assert wait_idle(10)  # the list is read on the serial worker
    ann = next(p.id for p in w.pupils if p.name.startswith("Ann"))
    w.show_pupil(ann)
    assert wait_idle(10)
    profile = w.profile
    profile.tabs.setCurrentWidget(profile.chart)
    panel = profile.chart.panel
    qtbot.waitUntil(lambda: panel.chart is not None, timeout=WAIT)
    # ill on Monday morning, present after: 1/2, 3/4, 5/6, 7/8, 9/10 by Friday
    assert panel.table_text() == [["14/11/2025", "90.0%"]]
    data = profile.chart.data
    assert data is not None
    assert [round(v, 1) for _d, v in data.days] == [50.0, 75.0, 83.3, 87.5, 90.0]
    save_screenshot(w, "charts_pupil_light")


def test_band_moves_on_the_trackers_board(qtbot, chart_ctx) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.gui.trackers.board_widget import TrackersWidget

    w = TrackersWidget(chart_ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.moves_button.setChecked(True)
    panel = w.moves.panel
    qtbot.waitUntil(lambda: panel.chart is not None, timeout=WAIT)
    moves = w.moves.moves
    assert moves is not None
    snap = w.snapshot
    assert snap is not None
    counted = sum(1 for p in snap.pupils
                  if p.previous_pct is not None and p.period_pct is not None)
    assert sum(map(sum, moves.matrix)) == counted
    assert [r[-1] for r in panel.table_text()] == [str(sum(r)) for r in moves.matrix]
    save_screenshot(w, "charts_band_moves_light")


def test_report_period_options_exist(chart_ctx) -> None:  # type: ignore[no-untyped-def]
    """The GUI tests above rely on this half term being the first period offered."""
    options = report_periods.period_options(chart_ctx.engine, chart_ctx.today())
    assert options[0].kind == "half_term"
    assert options[0].start == dt.date(2025, 11, 3)


def test_pyqtgraph_is_not_imported_until_a_chart_is_drawn() -> None:
    """Start-up (the main window and every page module) does not pay for pyqtgraph."""
    code = ("import sys\n"
            "import attendance_desktop.gui.main_window\n"
            "import attendance_desktop.gui.reports.reports_widget\n"
            "import attendance_desktop.gui.pupils.pupils_widget\n"
            "import attendance_desktop.gui.trackers.board_widget\n"
            "print(sorted(m for m in ('pyqtgraph', 'numpy') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"
