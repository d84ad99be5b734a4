"""Benchmark: attendance figures from stats_service against one hand-written GROUP BY.

Builds the demo school with one and with six years of history in temporary folders, then
times `stats_service.totals` + `stats_service.per_pupil` for the whole school over the most
recent full academic year and over all six years, against a single plain-sqlite3 query
that computes the same per-pupil counts. Checks that both give the same numbers and
prints the median times, the ratio and whether the targets are met (within 1.5x of the
raw query; under 0.5 s for a year). Run: python benchmarks/bench_stats.py
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import calendar_service

TODAY = dt.date(2026, 7, 31)  # after the summer term: 2025/26 is a full year
RUNS = 7
RATIO_TARGET = 1.5
YEAR_TARGET_S = 0.5

# The national codes by statistical category, written out by hand (docs/dfe_rules.md §1).
RAW_SQL = """
SELECT pupil_id,
       SUM(code IN ('/', '\\', 'L')) AS present,
       SUM(code IN ('K', 'V', 'P', 'W', 'B', 'J')) AS approved,
       SUM(code IN ('C', 'C1', 'C2', 'E', 'I', 'J1', 'M', 'R', 'S', 'T', 'H', 'F'))
           AS authorised,
       SUM(code IN ('G', 'N', 'O', 'U')) AS unauthorised,
       SUM(code IN ('D', 'X', 'Q', 'Y1', 'Y2', 'Y3', 'Y4', 'Y5', 'Y6', 'Y7', 'Z', '#', 'Y'))
           AS not_counted,
       SUM(code = 'L') AS late_l,
       SUM(code = 'U') AS late_u,
       SUM(CASE WHEN code IN ('L', 'U') THEN COALESCE(minutes_late, 0) ELSE 0 END)
           AS minutes_late
FROM mark
WHERE date >= ? AND date <= ?
GROUP BY pupil_id
"""

Row = tuple[int, ...]


def raw_counts(db: Path, start: dt.date, end: dt.date) -> dict[int, Row]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(RAW_SQL, (start.isoformat(), end.isoformat())).fetchall()
    finally:
        conn.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def service_counts(engine: Any, start: dt.date, end: dt.date) -> tuple[Row, dict[int, Row]]:
    school = stats_service.totals(engine, start, end)
    pupils = stats_service.per_pupil(engine, start, end)
    return _row(school), {p.pupil_id: _row(p.counts) for p in pupils}


def _row(c: Any) -> Row:
    return (c.present, c.approved, c.authorised, c.unauthorised, c.not_counted, c.late_l,
            c.late_u, c.minutes_late)


def median_seconds(fn: Callable[[], object]) -> float:
    fn()  # warm the page cache and SQLAlchemy's statement cache
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def build(folder: Path, years: int) -> tuple[Any, Path, float]:
    paths = resolve_paths(folder, environ={})
    engine = open_database(paths)
    t0 = time.perf_counter()
    demo_service.create_demo(engine, today=TODAY, years=years)
    assert paths.sqlite_file is not None
    return engine, paths.sqlite_file, time.perf_counter() - t0


def main() -> int:
    results = []
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for years in (1, 6):
            engine, db, built = build(Path(tmp) / f"y{years}", years)
            spans = calendar_service.list_years(engine)
            spans = [y for y in spans if y.start <= TODAY]
            print(f"built the {years}-year demo in {built:.1f} s", flush=True)
            ranges = [("last full year", spans[-1].start, spans[-1].end)]
            if years > 1:
                ranges.append((f"all {years} years", spans[0].start, spans[-1].end))
            for label, start, end in ranges:
                school, pupils = service_counts(engine, start, end)
                raw = raw_counts(db, start, end)
                same = pupils == raw and school == tuple(map(sum, zip(*raw.values(),
                                                                      strict=True)))
                marks = sum(sum(r[:5]) for r in raw.values())
                t_service = median_seconds(partial(service_counts, engine, start, end))
                t_raw = median_seconds(partial(raw_counts, db, start, end))
                ratio = t_service / t_raw
                year_ok = (end - start).days > 366 or t_service < YEAR_TARGET_S
                met = same and ratio <= RATIO_TARGET and year_ok
                ok &= met
                results.append((f"{years}y demo, {label}", marks, len(raw), t_service, t_raw,
                                ratio, same, met))
            engine.dispose()
    print()
    head = (f"{'data':32} {'marks':>9} {'pupils':>6} {'stats (s)':>10} {'raw SQL (s)':>11} "
            f"{'ratio':>6} {'same':>5}  target")
    print(head)
    print("-" * len(head))
    for name, marks, n, ts, tr, ratio, same, met in results:
        print(f"{name:32} {marks:>9,} {n:>6} {ts:>10.4f} {tr:>11.4f} {ratio:>6.2f} "
              f"{'yes' if same else 'NO':>5}  {'met' if met else 'MISSED'}")
    print(f"\ntargets: stats within {RATIO_TARGET}x of the raw query, under {YEAR_TARGET_S} s "
          f"for a year; median of {RUNS} runs")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
