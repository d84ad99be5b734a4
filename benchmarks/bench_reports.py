"""Benchmark: building a whole-year attendance report and its governors' PDF.

Builds the demo school (210 pupils) with a full 2025/26 year in a temporary folder, then
times `report_service.make_report` for the year (every table: classes, year groups, ten
pupil groups, codes, weekdays, PA/SA lists, the previous period) and `render_report_pdf`,
against the baseline of one `stats_service.totals` + `per_pupil` over the same dates in
the same run. Prints median times, the ratio and whether the target is met (report and
PDF together well under a second). Run: python benchmarks/bench_reports.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services import (
    demo_service,
    report_service,
    school_service,
    stats_service,
)
from attendance_desktop.services.database import open_database
from attendance_desktop.services.letterhead import Letterhead
from attendance_desktop.services.report_pdf import render_report_pdf

TODAY = dt.date(2026, 7, 31)
RUNS = 7
TARGET_S = 1.0


def median_time(fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(resolve_paths(Path(tmp) / "data", environ={}))
        demo_service.create_demo(engine, seed=2026, pupils=210, today=TODAY)
        year = next(p for p in report_service.period_options(engine, TODAY)
                    if p.kind == "year")
        head = Letterhead.from_details(school_service.get_school(engine).details)

        def baseline() -> None:
            stats_service.totals(engine, year.start, year.end)
            stats_service.per_pupil(engine, year.start, year.end)

        report = report_service.make_report(engine, year, today=TODAY)
        base = median_time(baseline)
        build = median_time(lambda: report_service.make_report(engine, year, today=TODAY))
        pdf = median_time(lambda: render_report_pdf(report, head))
        engine.dispose()
    total = build + pdf
    print(f"{year.label}: {report.school.pupils} pupils, {report.school.possible} possible "
          f"sessions, {len(report.persistent)} PA")
    print(f"baseline totals + per_pupil   {base * 1000:8.1f} ms")
    print(f"report (every table)          {build * 1000:8.1f} ms  ({build / base:.1f}x baseline)")
    print(f"governors' PDF                {pdf * 1000:8.1f} ms")
    ok = total < TARGET_S
    print(f"report + PDF {total * 1000:.0f} ms: {'meets' if ok else 'MISSES'} the "
          f"{TARGET_S:g} s target")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
