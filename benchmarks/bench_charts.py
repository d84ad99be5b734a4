"""Benchmark: the charts' data and the trend chart opening, against raw aggregates.

1. 210 pupils, 10 years of history: the Trends tab opening = every year's figures
   (trend_service.breakdowns) plus drawing the school and year-group trend charts with
   pyqtgraph offscreen (the first draw includes importing pyqtgraph). Target: under 1 s.
   Baseline: the plain-sqlite3 GROUP BY pupil, code per year that the figures need.
2. 2,000 pupils (3 years by default): the whole chart set of a year-to-date report
   (report_charts.build_chart_set: week by week with last year, PA by month, classes,
   weekdays, codes, trends, same point last year) against the raw aggregate statements
   it needs, run with plain sqlite3 in the same run. Target: within 1.5x.

Run: python benchmarks/bench_charts.py [--large-pupils N] [--large-years N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.reports import (
    report_charts,
    report_periods,
    report_service,
    trend_service,
)

TODAY = dt.date(2026, 12, 1)  # a term under way: this year runs to today
RUNS = 5
OPEN_TARGET_S = 1.0
RATIO_TARGET = 1.5

PER_PUPIL = ("SELECT pupil_id, code, COUNT(*), SUM(minutes_late) FROM mark "
             "WHERE date >= ? AND date <= ? GROUP BY pupil_id, code")
PER_DAY = "SELECT date, code, COUNT(*) FROM mark WHERE date >= ? AND date <= ? GROUP BY date, code"
PER_MONTH = ("SELECT pupil_id, strftime('%Y%m', date), code, COUNT(*) FROM mark "
             "WHERE date >= ? AND date <= ? GROUP BY 1, 2, 3")


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm the page cache and SQLAlchemy's statement cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def build(folder: Path, pupils: int, years: int) -> tuple[Any, Path]:
    """The demo school in `folder`, made unless an earlier run (--data) left it there."""
    made = (folder / "attendance.sqlite3").exists()
    paths = resolve_paths(folder, environ={})
    engine = open_database(paths)
    assert paths.sqlite_file is not None
    if made:
        print(f"reusing {folder}", flush=True)
        return engine, paths.sqlite_file
    t0 = time.perf_counter()
    demo_service.create_demo(engine, today=TODAY, years=years, pupils=pupils)
    print(f"built {pupils} pupils x {years} years in {time.perf_counter() - t0:.0f} s",
          flush=True)
    assert paths.sqlite_file is not None
    return engine, paths.sqlite_file


def raw(db: Path, statements: list[tuple[str, tuple[dt.date, dt.date]]]) -> int:
    conn = sqlite3.connect(db)
    try:
        return sum(len(conn.execute(sql, (a.isoformat(), b.isoformat())).fetchall())
                   for sql, (a, b) in statements)
    finally:
        conn.close()


def trends_open(engine: Any, trends: trend_service.Trends | None = None) -> None:
    """Count every year (unless given, as the Reports page has them counted in the
    background already) and draw the school and year-group trend charts."""
    from attendance_desktop.gui.charts import plots
    from attendance_desktop.gui.charts.colours import chart_colours

    if trends is None:
        years = trend_service.history_years(engine, TODAY)
        trends = trend_service.Trends(tuple(trend_service.breakdowns(engine, years,
                                                                     today=TODAY)))
    colours = chart_colours(_app().palette())
    for kind in ("school", "year_groups"):
        w = plots.trend_plot(trends.names(), trends.series(kind, "attendance"), "t", "%",
                             colours)
        w.resize(900, 500)
        w.grab()  # paint it
        w.deleteLater()
    _app().processEvents()


_APP: Any = None


def _app() -> Any:
    global _APP
    if _APP is None:
        from PySide6.QtWidgets import QApplication

        _APP = QApplication.instance() or QApplication([])
    return _APP


def part_one(tmp: Path) -> tuple[bool, list[str]]:
    engine, db = build(tmp / "210", 210, 10)
    years = trend_service.history_years(engine, TODAY)
    _app()
    t0 = time.perf_counter()
    trends_open(engine)  # the very first open: imports pyqtgraph too
    first = time.perf_counter() - t0
    t_open = median_seconds(lambda: trends_open(engine))
    t_data = median_seconds(lambda: trend_service.breakdowns(engine, years, today=TODAY))
    t_raw = median_seconds(lambda: raw(db, [(PER_PUPIL, (y.start, y.end)) for y in years]))
    counted = trend_service.Trends(tuple(trend_service.breakdowns(engine, years, today=TODAY)))
    t_draw = median_seconds(lambda: trends_open(engine, counted))
    engine.dispose()
    met = first < OPEN_TARGET_S and t_open < OPEN_TARGET_S
    return met, [
        f"210 pupils, {len(years)} years: Trends tab first open (imports pyqtgraph) "
        f"{first:.3f} s; later opens {t_open:.3f} s (target < {OPEN_TARGET_S} s: "
        f"{'met' if met else 'MISSED'})",
        f"  figures alone {t_data:.3f} s vs raw GROUP BY pupil, code per year {t_raw:.3f} s "
        f"= {t_data / t_raw:.2f}x; drawing the two charts from counted figures "
        f"{t_draw:.3f} s",
        f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores)",
    ]


def part_two(tmp: Path, pupils: int, years_n: int) -> tuple[bool, list[str]]:
    engine, db = build(tmp, pupils, years_n)
    options = report_periods.period_options(engine, TODAY)
    period = next(p for p in options if p.kind == "year")
    report = report_service.make_report(engine, period, today=TODAY)
    years = trend_service.history_years(engine, TODAY)
    same = trend_service.same_point_last_year(engine, period)
    this, last = years[-1], years[-2] if len(years) > 1 else years[-1]

    def charts() -> object:
        gen = report_charts.build_chart_set(engine, report, today=TODAY)
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                return stop.value

    statements = [(PER_DAY, (this.start, this.end)), (PER_DAY, (last.start, last.end)),
                  (PER_MONTH, (this.start, this.end)), (PER_MONTH, (last.start, last.end)),
                  *((PER_PUPIL, (y.start, y.end)) for y in years),
                  (PER_PUPIL, (period.start, period.end)),
                  *([(PER_PUPIL, (same.start, same.end))] if same else [])]
    t_service = median_seconds(charts, 3)
    t_raw = median_seconds(lambda: raw(db, statements), 3)
    # the charts that come from the report itself need the report's own aggregates
    t_report = median_seconds(lambda: report_service.make_report(engine, period, today=TODAY),
                              3)
    engine.dispose()
    ratio = t_service / t_raw
    met = ratio <= RATIO_TARGET
    return met, [
        f"{pupils} pupils, {years_n} years: chart set for '{period.label}' {t_service:.3f} s "
        f"vs the raw aggregates it needs {t_raw:.3f} s = {ratio:.2f}x (target <= "
        f"{RATIO_TARGET}x: {'met' if met else 'MISSED'})",
        f"  (the report it is drawn beside: {t_report:.3f} s; load average "
        f"{os.getloadavg()[0]:.1f})",
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large-pupils", type=int, default=2000)
    parser.add_argument("--large-years", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--data", help="keep the demo schools in this folder and reuse them "
                        "on the next run (building 2,000 pupils takes minutes)")
    args = parser.parse_args()
    lines: list[str] = []
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(args.data) if args.data else Path(scratch)
        met, out = part_one(tmp)
        ok &= met
        lines += out
        print("\n".join(out), flush=True)
        if not args.skip_large:
            met, out = part_two(tmp / str(args.large_pupils), args.large_pupils,
                                args.large_years)
            ok &= met
            lines += out
    print()
    print("\n".join(lines))
    print(f"(medians of {RUNS} runs, or 3 for the large school)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
