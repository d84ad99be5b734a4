"""Benchmark: building a whole-year attendance report and its governors' PDF.

Builds the demo school in a temporary folder (210 pupils and one year by default; e.g.
`--pupils 2000 --years 10`), then times `report_service.make_report` for the latest full
year (every table: classes, year groups, ten pupil groups, codes, weekdays, PA/SA lists,
the previous year to compare) against the baseline of the raw aggregates the report needs,
in the same run: one plain-sqlite3 GROUP BY pupil and code over the year, one GROUP BY
weekday, session and code, and the same per-pupil GROUP BY over the previous year
(fetched, nothing folded). Also times `render_report_pdf`. Prints median times, the ratio
and whether the targets are met (report ≤ 1.5x its raw aggregates; report and PDF
together under a second at 210 pupils).
Run: python benchmarks/bench_reports.py [--pupils N] [--years N] [--copy-history]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.reports import report_periods, report_service
from attendance_desktop.services.reports.report_pdf import render_report_pdf
from attendance_desktop.services.school import school_service
from benchmarks.bench_alerts import copy_history

TODAY = dt.date(2026, 7, 31)
RUNS = 7
TARGET_S = 1.0
RATIO_TARGET = 1.5

PER_PUPIL = ("SELECT pupil_id, code, COUNT(*), SUM(minutes_late) FROM mark "
             "WHERE date >= ? AND date <= ? GROUP BY pupil_id, code")
PER_WEEKDAY = ("SELECT strftime('%w', date), session, code, COUNT(*) FROM mark "
               "WHERE date >= ? AND date <= ? GROUP BY 1, session, code")


def median_time(fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def paired_medians(a: Callable[[], Any], b: Callable[[], Any]) -> tuple[float, float]:
    """Median times of A and B run alternately, so a busy machine slows both alike."""
    ta, tb = [], []
    for _ in range(RUNS):
        for fn, times in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pupils", type=int, default=210)
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--copy-history", action="store_true",
                    help="build one demo year and copy its marks back for the earlier years "
                         "(bench_alerts.copy_history: the same table size, in minutes "
                         "instead of the better part of an hour at 2,000 pupils)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        paths = resolve_paths(Path(tmp) / "data", environ={})
        engine = open_database(paths)
        built = time.perf_counter()
        demo_service.create_demo(engine, seed=2026, pupils=args.pupils, today=TODAY,
                                 years=1 if args.copy_history else args.years)
        if args.copy_history and args.years > 1:
            assert paths.sqlite_file is not None
            copy_history(engine, paths.sqlite_file, args.years)
        print(f"built {args.pupils} pupils, {args.years} years in "
              f"{time.perf_counter() - built:.0f} s", flush=True)
        year = next(p for p in report_periods.period_options(engine, TODAY)
                    if p.kind == "year")
        before = report_periods.previous_period(engine, year)
        head = Letterhead.from_details(school_service.get_school(engine).details)
        db = sqlite3.connect(paths.sqlite_file)  # type: ignore[arg-type]
        spans = [(year.start.isoformat(), year.end.isoformat())]

        def raw() -> None:
            db.execute(PER_PUPIL, spans[0]).fetchall()
            db.execute(PER_WEEKDAY, spans[0]).fetchall()
            if before is not None:
                db.execute(PER_PUPIL, (before.start.isoformat(),
                                       before.end.isoformat())).fetchall()

        report = report_service.make_report(engine, year, today=TODAY)
        base, build = paired_medians(
            raw, lambda: report_service.make_report(engine, year, today=TODAY))
        pdf = median_time(lambda: render_report_pdf(report, head))
        db.close()
        engine.dispose()
    total = build + pdf
    print(f"{year.label}: {report.school.pupils} pupils, {report.school.possible} possible "
          f"sessions, {len(report.persistent)} PA; previous: "
          f"{before.label if before else 'none'}")
    print(f"raw aggregates it needs       {base * 1000:8.1f} ms")
    ratio = build / base
    print(f"report (every table)          {build * 1000:8.1f} ms  ({ratio:.2f}x raw)")
    print(f"governors' PDF                {pdf * 1000:8.1f} ms")
    ok_ratio = ratio <= RATIO_TARGET
    ok_total = total < TARGET_S or args.pupils > 210  # the second is for a small school
    print(f"report {ratio:.2f}x its raw aggregates: {'meets' if ok_ratio else 'MISSES'} the "
          f"{RATIO_TARGET}x target; report + PDF {total * 1000:.0f} ms: "
          f"{'meets' if ok_total else 'MISSES'} the {TARGET_S:g} s target")
    return 0 if ok_ratio and ok_total else 1


if __name__ == "__main__":
    raise SystemExit(main())
