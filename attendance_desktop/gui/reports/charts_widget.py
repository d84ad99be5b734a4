"""The Charts and Trends tabs of the Reports page.

After each report is built, the chart data (services/reports/report_charts.py) is counted on the
thread pool, without a modal dialog, so the tables stay usable while it loads; a newer
report cancels an older count. Charts are drawn when their tab is first shown, so
pyqtgraph is imported only then."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.gui.charts import plots
from attendance_desktop.gui.charts.chart_panel_widget import ChartPanelWidget
from attendance_desktop.gui.workers import JobSignals, start_job
from attendance_desktop.services.reports import report_charts
from attendance_desktop.services.reports.chart_data import ChartTable, pct_text
from attendance_desktop.services.reports.report_charts import ReportChartSet
from attendance_desktop.services.reports.report_service import Report
from attendance_desktop.services.reports.report_tables import points
from attendance_desktop.services.reports.trend_service import KINDS, MEASURES, SamePoint, measure

CHARTS = (("weekly", "Week by week"), ("monthly", "PA by month"),
          ("bars", "Classes and years"), ("heatmap", "Weekdays"), ("codes", "Codes"))


class ChartsWidget(QTabWidget):
    """One tab per chart; `trends` is the Trends page (placed as its own Reports tab)."""

    samePointReady = Signal()

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName("Report charts")
        self.charts: ReportChartSet | None = None
        self.panels: dict[str, ChartPanelWidget] = {}
        for key, name in CHARTS:
            panel = ChartPanelWidget(name)
            panel.setObjectName(f"chart_{key}")
            panel.set_message("Build a report to see its charts.")
            self.panels[key] = panel
            self.addTab(panel, name)
        self.trends = TrendsWidget()
        self._signals: JobSignals | None = None
        self._token: CancelToken | None = None

    # -- loading ------------------------------------------------------------------------
    def load(self, report: Report) -> None:
        """Count the charts for this report in the background (cancelling an older count)."""
        if self._token is not None:
            self._token.cancel()
        for panel in (*self.panels.values(), self.trends.panel, self.trends.same):
            panel.set_message("Counting…")
        engine, today = self.ctx.engine, self.ctx.today()

        def job(token: CancelToken) -> Any:
            charts = yield from report_charts.build_chart_set(engine, report, today=today,
                                                              token=token)
            plots.preload()  # here, off the GUI thread, not on the first tab opened
            return charts

        signals = JobSignals(self)
        signals.succeeded.connect(self._loaded)
        signals.failed.connect(self._load_failed)
        self._signals = signals
        self._token = start_job(job, signals)

    @property
    def loading(self) -> bool:
        return self._signals is not None and self._signals.running

    @Slot()
    def _loaded(self) -> None:
        signals = self.sender()
        if signals is not self._signals or not isinstance(signals, JobSignals):
            return  # an older report's charts
        result = signals.result
        if isinstance(result, ReportChartSet):
            self.show_charts(result)

    @Slot()
    def _load_failed(self) -> None:
        signals = self.sender()
        if signals is not self._signals or not isinstance(signals, JobSignals):
            return
        for panel in (*self.panels.values(), self.trends.panel, self.trends.same):
            panel.set_message(f"The charts could not be counted: {signals.error}")

    # -- showing ------------------------------------------------------------------------
    def show_charts(self, charts: ReportChartSet) -> None:
        self.charts = charts
        if charts.weekly is not None and charts.weekly.weeks:
            w = charts.weekly
            now = [p.attendance for p in w.weeks if p.attendance is not None]
            self.panels["weekly"].set_chart(
                w.table(), partial(plots.weekly_plot, w),
                f"{len(w.weeks)} weeks of {w.year}, latest week {pct_text(now[-1])}"
                if now else w.year)
        else:
            self.panels["weekly"].set_message("No school weeks with marks in this year.")
        if charts.monthly is not None and charts.monthly.months:
            self.panels["monthly"].set_chart(charts.monthly.table(),
                                             partial(plots.monthly_plot, charts.monthly))
        else:
            self.panels["monthly"].set_message("No months with marks in this year.")
        r = charts.from_report
        self.panels["bars"].set_chart(r.bars.table(), partial(plots.bars_plot, r.bars))
        self.panels["bars"].heading.setText(
            f"<b>{r.bars.title}</b> — dashed line: whole school "
            f"{pct_text(r.bars.school)}; dotted line: target {pct_text(r.bars.target_pct)}")
        self.panels["heatmap"].set_chart(r.heatmap.table(), partial(plots.heatmap_plot,
                                                                     r.heatmap))
        if r.code_mix.codes:
            self.panels["codes"].set_chart(r.code_mix.table(), partial(plots.codes_plot,
                                                                       r.code_mix))
            self.panels["codes"].heading.setText(
                "<b>The mix of codes</b> — bar colours: amber authorised absence, red "
                "unauthorised, green present (late), grey not counted")
        else:
            self.panels["codes"].set_message("No absence or other codes in this period.")
        self.trends.show_data(charts)
        self.samePointReady.emit()

    def current_table(self, page: QWidget) -> ChartTable | None:
        """The numbers of the chart on show (for "Save table as CSV")."""
        if page is self.trends:
            inner = self.trends.tabs.currentWidget()
            return inner.data_table if isinstance(inner, ChartPanelWidget) else None
        panel = self.currentWidget()
        return panel.data_table if isinstance(panel, ChartPanelWidget) else None

    def same_point_html(self) -> str:
        """One line for the Reports summary: each headline figure at the same point last
        year, with the change."""
        if self.charts is None:
            return ""
        same: SamePoint = self.charts.same_point
        if same.then is None:
            return "Same point last year: no figures to compare with."
        now, then = same.now.school, same.then.school
        bits = []
        for key, label in (("attendance", "attendance"), ("unauthorised", "unauthorised"),
                           ("pa", "persistent absence"), ("sa", "severe absence")):
            a, b = measure(now, key), measure(then, key)
            change = None if a is None or b is None else a - b
            bits.append(f"{label} {pct_text(b)} ({points(change)})")
        p = same.then.period
        return (f"Same point last year ({p.start:%d/%m/%Y} to {p.end:%d/%m/%Y}): "
                + " · ".join(bits))


class TrendsWidget(QWidget):
    """Every year the database holds: pick who (school, year groups, classes, groups) and
    which figure; the chart and its table, and the same point last year below."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("reportTrends")
        self.data: ReportChartSet | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        who_label = QLabel("&Show:")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Trends for")
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        who_label.setBuddy(self.kind)
        what_label = QLabel("&Figure:")
        self.measure = QComboBox()
        self.measure.setAccessibleName("Trend figure")
        for key, label in MEASURES.items():
            self.measure.addItem(label, key)
        what_label.setBuddy(self.measure)
        for w in (who_label, self.kind, what_label, self.measure):
            bar.addWidget(w)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.panel = ChartPanelWidget("Trends over the years")
        self.panel.setObjectName("chart_trends")
        self.same = ChartPanelWidget("The same point last year")
        self.same.setObjectName("chart_same_point")
        self.same.as_table.setChecked(True)  # a table only: the trend chart is above
        self.same.as_table.hide()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.panel, "Over the years")
        self.tabs.addTab(self.same, "Same point last year")
        layout.addWidget(self.tabs, 1)
        self.kind.currentIndexChanged.connect(self._redraw)
        self.measure.currentIndexChanged.connect(self._redraw)

    def show_data(self, data: ReportChartSet) -> None:
        self.data = data
        self.same.fill_table(data.same_point.table())
        self.same.heading.setText(f"<b>{data.same_point.table().title}</b>")
        self.same.placeholder.hide()
        self._redraw()

    @Slot()
    def _redraw(self) -> None:
        if self.data is None:
            return
        kind, key = self.kind.currentData(), self.measure.currentData()
        trends = self.data.trends
        if not trends.years:
            self.panel.set_message("No academic years with marks yet.")
            return
        series = trends.series(kind, key)
        percent_floor = 80.0 if key == "attendance" else None
        target = self.data.target_pct if key == "attendance" else None
        table = trends.table(kind, key)
        self.panel.set_chart(table, partial(plots.trend_plot, trends.names(), series,
                                            table.title, MEASURES[key], target=target,
                                            percent_floor=percent_floor),
                             f"{len(trends.years)} years: {', '.join(trends.names())}")
