"""Drawing each chart with pyqtgraph. pyqtgraph (and numpy) are imported on the first
draw, not at start-up. Each function takes a chart's data (services/reports/chart_data.py,
services/reports/trend_service.py) and the palette's colours, and returns a new widget."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

from attendance_desktop.gui.charts.colours import ChartColours
from attendance_desktop.services.reports.chart_data import (
    SESSIONS,
    WEEKDAYS,
    BandMoves,
    BarsChart,
    CodeMix,
    MonthlyPA,
    PupilYear,
    WeekdayHeatmap,
    WeeklyChart,
)

_pg: Any = None


def preload() -> None:
    """Import pyqtgraph ahead of the first chart (called from the background count, so the
    first chart the user opens only draws). Importing defines classes and value types only;
    nothing is created until pg() is used on the GUI thread."""
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import pyqtgraph  # noqa: F401


def pg() -> Any:
    """pyqtgraph, imported and configured once, on first use."""
    global _pg
    if _pg is None:
        os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # never another binding
        import pyqtgraph

        pyqtgraph.setConfigOptions(antialias=True, useNumba=False)
        _pg = pyqtgraph
    return _pg


def _pen(colour: QColor, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> Any:
    return pg().mkPen(color=colour, width=width, style=style)


def _style(plot: Any, col: ChartColours, left: str = "", bottom: str = "") -> None:
    """Axes, labels and grid in the palette's colours."""
    plot.showGrid(x=False, y=True, alpha=0.25)
    for name, label in (("left", left), ("bottom", bottom)):
        axis = plot.getAxis(name)
        axis.setPen(_pen(col.grid, 1))
        axis.setTextPen(_pen(col.text, 1))
        if label:
            axis.setLabel(label, color=col.text.name())
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()


def _label_axis(plot: Any, ticks: list[tuple[float, str]]) -> None:
    """Category names on the left axis, with room for the longest (pyqtgraph would only
    widen the axis after a first paint)."""
    axis = plot.getAxis("left")
    axis.setTicks([ticks])
    metrics = QFontMetrics(axis.font())
    widest = max((metrics.horizontalAdvance(t) for _v, t in ticks), default=20)
    axis.setWidth(widest + 18 + (metrics.height() + 8 if axis.labelText else 0))


def _plot_widget(col: ChartColours, title: str) -> Any:
    w = pg().PlotWidget(background=col.background)
    w.setAccessibleName(title)
    # pyqtgraph's options menu (switched off here, see _style) is a window of its own
    # with six submenus: parented to the chart it goes with it instead of outliving it.
    menu = w.getPlotItem().ctrlMenu
    menu.setParent(w, menu.windowFlags())
    return w


def _legend(plot: Any, col: ChartColours) -> Any:
    legend = plot.addLegend(offset=(-10, -10), labelTextColor=col.text,
                            brush=pg().mkBrush(col.background), pen=_pen(col.grid, 1))
    return legend


def _hline(plot: Any, y: float, colour: QColor, label: str, style: Qt.PenStyle,
           col: ChartColours, at: float = 0.02) -> None:
    line = pg().InfiniteLine(pos=y, angle=0, pen=_pen(colour, 1.5, style), label=label,
                             labelOpts={"color": col.text, "position": at,
                                        "anchors": [(0, 1), (0, 1)]})
    plot.addItem(line)


def _y_range(plot: Any, values: Sequence[float | None], floor: float = 80.0) -> None:
    present = [v for v in values if v is not None]
    low = min([floor, *present]) if present else floor
    plot.setYRange(max(0.0, low - 2), 101.5, padding=0)


def _xy(points: Sequence[tuple[float, float | None]]) -> tuple[list[float], list[float]]:
    xs = [x for x, y in points if y is not None]
    ys = [y for _x, y in points if y is not None]
    return xs, ys


def weekly_plot(chart: WeeklyChart, col: ChartColours) -> QWidget:
    w = _plot_widget(col, "Attendance week by week")
    plot = w.getPlotItem()
    _style(plot, col, "Attendance %", "School week")
    _legend(plot, col)
    xs, ys = _xy([(p.week, p.attendance) for p in chart.weeks])
    plot.plot(xs, ys, pen=_pen(col.nth(0), 2.5), symbol="o", symbolSize=6,
              symbolBrush=col.nth(0), symbolPen=None, name=chart.year)
    if chart.last_weeks:
        lx, ly = _xy([(p.week, p.attendance) for p in chart.last_weeks])
        plot.plot(lx, ly, pen=_pen(col.nth(1), 2, Qt.PenStyle.DashLine), symbol="d",
                  symbolSize=5, symbolBrush=col.nth(1), symbolPen=None, name=chart.last_year)
    if chart.target_pct is not None:
        _hline(plot, chart.target_pct, col.target, f"Target {chart.target_pct:g}%",
               Qt.PenStyle.DotLine, col)
    _y_range(plot, [p.attendance for p in (*chart.weeks, *chart.last_weeks)])
    last_week = max(p.week for p in (*chart.weeks, *chart.last_weeks))
    plot.setXRange(0.5, max(last_week, 2) + 0.5, padding=0)
    step = 1 if last_week <= 15 else 5
    plot.getAxis("bottom").setTicks([[(n, str(n)) for n in range(step, last_week + 1, step)]
                                     or [(1, "1")]])
    return w  # type: ignore[no-any-return]


def monthly_plot(chart: MonthlyPA, col: ChartColours) -> QWidget:
    w = _plot_widget(col, "Persistent absence by month")
    plot = w.getPlotItem()
    _style(plot, col, "% of pupils", "")
    _legend(plot, col)
    x = list(range(len(chart.months)))
    plot.addItem(pg().BarGraphItem(
        x=[i - 0.18 for i in x], height=[m.pa_in_month_pct or 0 for m in chart.months],
        width=0.34, brush=col.nth(4), pen=_pen(col.nth(4), 1), name="In the month"))
    plot.addItem(pg().BarGraphItem(
        x=[i + 0.18 for i in x], height=[m.pa_so_far_pct or 0 for m in chart.months],
        width=0.34, brush=col.nth(0), pen=_pen(col.nth(0), 1), name="Year so far"))
    last = {m.month.month: m for m in chart.last_months}
    pts = [(i, last[m.month.month].pa_so_far_pct) for i, m in enumerate(chart.months)
           if m.month.month in last]
    if pts:
        lx, ly = _xy(pts)
        plot.plot(lx, ly, pen=_pen(col.nth(1), 2, Qt.PenStyle.DashLine), symbol="d",
                  symbolBrush=col.nth(1), symbolPen=None,
                  name=f"Year so far, {chart.last_year}")
    plot.getAxis("bottom").setTicks([[(i, f"{m.month:%b}") for i, m in
                                      zip(x, chart.months, strict=True)]])
    _hline(plot, 0, col.grid, "", Qt.PenStyle.SolidLine, col)
    return w  # type: ignore[no-any-return]


def _hbars(plot: Any, labels: Sequence[str], values: Sequence[float | None],
           colour: QColor, col: ChartColours, school: float | None,
           target: float | None) -> None:
    n = len(labels)
    ys = [n - 1 - i for i in range(n)]  # first label at the top
    low = min([v for v in values if v is not None] + [90.0]) - 2
    plot.addItem(pg().BarGraphItem(x0=low, y=ys, height=0.6,
                                   width=[(v or low) - low for v in values],
                                   brush=colour, pen=_pen(colour, 1)))
    for y, v in zip(ys, values, strict=True):
        if v is None:
            continue
        text = pg().TextItem(f"{v:.1f}%", color=col.text, anchor=(0, 0.5))
        text.setPos(v, y)
        plot.addItem(text)
    _label_axis(plot, [(y, lab) for y, lab in zip(ys, labels, strict=True)])
    plot.setXRange(low, 103.5, padding=0)
    plot.showGrid(x=False, y=False)
    # the lines are named in the chart's title (labels here would overlap the bars)
    for value, colour_, style in ((school, col.nth(2), Qt.PenStyle.DashLine),
                                  (target, col.target, Qt.PenStyle.DotLine)):
        if value is not None:
            plot.addItem(pg().InfiniteLine(pos=value, angle=90,
                                           pen=_pen(colour_, 1.5, style)))


def bars_plot(chart: BarsChart, col: ChartColours) -> QWidget:
    w = pg().GraphicsLayoutWidget()
    w.setBackground(col.background)
    w.setAccessibleName("Classes and year groups: attendance")
    for i, (title, bars) in enumerate((("Classes", chart.classes),
                                       ("Year groups", chart.year_groups))):
        plot = w.addPlot(row=0, col=i)
        plot.setTitle(title, color=col.text.name())
        _style(plot, col, "", "Attendance %")
        _hbars(plot, [b.label for b in bars], [b.attendance for b in bars], col.nth(i * 5),
               col, chart.school, chart.target_pct)
    return w  # type: ignore[no-any-return]


def heatmap_plot(chart: WeekdayHeatmap, col: ChartColours) -> QWidget:
    w = _plot_widget(col, "Absence by weekday and session")
    plot = w.getPlotItem()
    _style(plot, col)
    plot.showGrid(x=False, y=False)
    values = [c.absence for c in chart.cells if c.absence is not None]
    top = max(values) if values else 1.0
    x0, y0, brushes, cells = [], [], [], []
    for d in range(5):
        for s_i, s in enumerate(SESSIONS):
            cell = chart.cell(d, s)
            colour = col.heat((cell.absence or 0) / top if top else 0)
            x0.append(s_i)
            y0.append(4 - d)
            brushes.append(colour)
            cells.append((s_i, 4 - d, cell.absence, colour))
    plot.addItem(pg().BarGraphItem(x0=x0, y0=y0, width=0.96, height=0.92, brushes=brushes,
                                   pen=_pen(col.grid, 1)))
    bold = QFont()
    bold.setBold(True)
    for x, y, value, colour in cells:
        label = "no sessions" if value is None else f"{value:.1f}%"
        text = pg().TextItem(label, color=col.text_on(colour), anchor=(0.5, 0.5))
        text.setFont(bold)
        text.setPos(x + 0.48, y + 0.46)
        plot.addItem(text)
    _label_axis(plot, [(4 - d + 0.46, WEEKDAYS[d]) for d in range(5)])
    plot.getAxis("bottom").setTicks([[(0.48, "Morning"), (1.48, "Afternoon")]])
    plot.setXRange(-0.05, 2.0, padding=0)
    plot.setYRange(-0.05, 5.0, padding=0)
    return w  # type: ignore[no-any-return]


def codes_plot(chart: CodeMix, col: ChartColours) -> QWidget:
    w = _plot_widget(col, "The mix of codes")
    plot = w.getPlotItem()
    _style(plot, col, "", "Sessions")
    plot.showGrid(x=True, y=False, alpha=0.25)
    rows = chart.codes[:12]
    n = len(rows)
    cat_colour = {"Authorised absence": col.categories["authorised"],
                  "Unauthorised absence": col.categories["unauthorised"],
                  "Present": col.categories["present"]}
    ys = [n - 1 - i for i in range(n)]
    brushes = [cat_colour.get(r.category, col.categories["approved"]
                              if "approved" in r.category.lower()
                              else col.categories["not_counted"]) for r in rows]
    plot.addItem(pg().BarGraphItem(x0=0, y=ys, height=0.6, width=[r.sessions for r in rows],
                                   brushes=brushes, pen=_pen(col.grid, 1)))
    for y, r in zip(ys, rows, strict=True):
        text = pg().TextItem(f" {r.sessions}", color=col.text, anchor=(0, 0.5))
        text.setPos(r.sessions, y)
        plot.addItem(text)
    _label_axis(plot, [(y, f"{r.code}  {_short(r.meaning)}")
                       for y, r in zip(ys, rows, strict=True)])
    top = max((r.sessions for r in rows), default=1)
    plot.setXRange(0, top * 1.15, padding=0)
    return w  # type: ignore[no-any-return]


def _short(text: str, limit: int = 30) -> str:
    """Cut at a word boundary with an ellipsis (the table beside has the whole text)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(":,;") + "…"


def trend_plot(names: Sequence[str], series: dict[str, list[float | None]], title: str,
               ylabel: str, col: ChartColours, target: float | None = None,
               percent_floor: float | None = 80.0) -> QWidget:
    w = _plot_widget(col, title)
    plot = w.getPlotItem()
    _style(plot, col, ylabel, "Academic year")
    _legend(plot, col)
    for i, (label, values) in enumerate(series.items()):
        xs, ys = _xy(list(enumerate(values)))
        if not xs:
            continue
        plot.plot(xs, ys, pen=_pen(col.nth(i), 2.2), symbol="o", symbolSize=7,
                  symbolBrush=col.nth(i), symbolPen=None, name=label)
    if target is not None:
        _hline(plot, target, col.target, f"Target {target:g}%", Qt.PenStyle.DotLine, col)
    bottom = plot.getAxis("bottom")
    bottom.setTicks([list(enumerate(names))])
    bottom.setStyle(hideOverlappingLabels=False)  # the first and last year too
    plot.setXRange(-0.5, max(len(names) - 1, 1) + 0.5, padding=0)
    if percent_floor is not None:
        _y_range(plot, [v for vs in series.values() for v in vs], percent_floor)
    else:
        top = max([v for vs in series.values() for v in vs if v is not None] + [1.0])
        plot.setYRange(0, top * 1.15, padding=0)
    return w  # type: ignore[no-any-return]


def pupil_plot(chart: PupilYear, col: ChartColours) -> QWidget:
    w = pg().GraphicsLayoutWidget()
    w.setBackground(col.background)
    w.setAccessibleName("The pupil's attendance this year")
    w.setMaximumHeight(330)  # fits the profile's tab at 1366x768 with the strip in view
    plot = w.addPlot(row=0, col=0)
    _style(plot, col, "Attendance % so far", "")
    start = chart.days[0][0] if chart.days else dt.date.today()

    def x(day: dt.date) -> float:
        return float((day - start).days)

    xs = [x(d) for d, _v in chart.days]
    plot.plot(xs, [v for _d, v in chart.days], pen=_pen(col.nth(0), 2.5))
    for i, (label, low) in enumerate(chart.bands):  # labels staggered: bands lie close
        _hline(plot, low, col.nth(i + 1), label, Qt.PenStyle.DashLine, col,
               at=0.02 + 0.2 * (i % 4))
    lows = [v for _d, v in chart.days] + [b for _l, b in chart.bands]
    _y_range(plot, lows)
    strip = w.addPlot(row=1, col=0)
    _style(strip, col, "Marks", "")
    strip.getAxis("left").enableAutoSIPrefix(False)
    strip.showGrid(x=False, y=False)
    strip.getAxis("left").setTicks([[(0.25, "AM"), (-0.25, "PM")]])
    mx = [x(d) + (0 if s == "AM" else 0.45) for d, s, _c, _cat in chart.marks]
    brushes = [col.categories.get(cat, col.categories["not_counted"])
               for _d, _s, _c, cat in chart.marks]
    if chart.marks:
        strip.addItem(pg().BarGraphItem(
            x0=mx, y0=[0 if s == "AM" else -0.5 for _d, s, _c, _cat in chart.marks],
            width=0.45, height=0.5, brushes=brushes, pen=None))
    strip.setMaximumHeight(80)
    strip.setYRange(-0.55, 0.55, padding=0)
    strip.setXLink(plot)
    months = sorted({d.replace(day=1) for d, _v in chart.days})
    ticks = [[(x(m if m >= start else start), f"{m:%b}") for m in months]]
    plot.getAxis("bottom").setTicks(ticks)
    strip.getAxis("bottom").setTicks(ticks)
    return w  # type: ignore[no-any-return]


def band_moves_plot(chart: BandMoves, col: ChartColours) -> QWidget:
    """The moves as a grid: rows the band before, columns the band now, numbers inside."""
    w = _plot_widget(col, chart.table().title)
    plot = w.getPlotItem()
    _style(plot, col, f"Band in {chart.previous}", f"Band now ({chart.current})")
    plot.showGrid(x=False, y=False)
    n = len(chart.bands)
    top = max([v for row in chart.matrix for v in row] + [1])
    x0, y0, brushes, labels = [], [], [], []
    for i, row in enumerate(chart.matrix):
        for j, v in enumerate(row):
            if i == j:
                colour = col.heat(0.0)
            else:
                base = col.nth(2) if j < i else col.nth(1)  # up (better) or down
                colour = QColor(base)
                colour.setAlphaF(0.25 + 0.75 * v / top if v else 0.08)
            x0.append(j)
            y0.append(n - 1 - i)
            brushes.append(colour)
            labels.append((j, n - 1 - i, v))
    plot.addItem(pg().BarGraphItem(x0=x0, y0=y0, width=0.96, height=0.92, brushes=brushes,
                                   pen=_pen(col.grid, 1)))
    for xj, yi, v in labels:
        text = pg().TextItem(str(v), color=col.text, anchor=(0.5, 0.5))
        text.setPos(xj + 0.48, yi + 0.46)
        plot.addItem(text)
    short = [b.split(" (")[0] for b in chart.bands]
    _label_axis(plot, [(n - 1 - i + 0.46, s) for i, s in enumerate(short)])
    plot.getAxis("bottom").setTicks([[(j + 0.48, s) for j, s in enumerate(short)]])
    plot.setXRange(-0.05, n, padding=0)
    plot.setYRange(-0.05, n, padding=0)
    return w  # type: ignore[no-any-return]
