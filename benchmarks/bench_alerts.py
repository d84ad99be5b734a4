"""Benchmark: `alerts` (every tracker for the whole school) against one read of the same
marks window, in the same run (issue 16 point 8).

    python benchmarks/bench_alerts.py [--sizes 210:1,2000:10] [--keep FOLDER]

For each size (pupils:years of history) a demo school is built in a temporary folder,
then, in process, with the clock after the day's registers have closed:

1. `alerts_service.alerts(engine, day)`: pupils, period counts, runs, lateness, penalty
   notice windows, flags, N ageing and every workflow step, for every pupil on roll.
2. Baseline: one plain sqlite3 read (fetchall) of the marks in the window the alerts use
   (the first day of the earliest period they look at, up to the day).

Targets: time <= 1.5x the read (medians), and tracemalloc peak <= 2x the read's peak.
--keep keeps each built school in FOLDER and reuses it next time (10 years of 2,000
pupils take a long while to build). --copy-history builds one demo year and copies its
marks back, a whole number of weeks per year, with each earlier year's term dates: the
same table size and index depth as a demo built year by year, in a fraction of the time.
Prints the figures; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services import clock
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.trackers import alerts_service

TODAY = dt.date(2026, 7, 15)  # a Wednesday near the end of the year: a full year of marks
NOW = dt.datetime(2026, 7, 15, 16, 0)  # the day's registers have closed
RUNS = 5
RATIO_TARGET = 1.5
MEMORY_TARGET = 2.0


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm the page cache and SQLAlchemy's statement cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def paired_medians(a: Callable[[], object], b: Callable[[], object],
                   runs: int = RUNS) -> tuple[float, float]:
    """Medians of A and B timed alternately, so a busy machine slows both alike."""
    a()
    b()  # warm the page cache and SQLAlchemy's statement cache
    ta, tb = [], []
    for _ in range(runs):
        for fn, times in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(ta), statistics.median(tb)


def peak_bytes(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def window(engine: Any) -> tuple[dt.date, dt.date]:
    """The marks window the alerts read: the earliest period they use, up to the day."""
    years = calendar_service.list_years(engine)
    per = alerts_service.periods(policy_service.load_policy(engine), years,
                                 calendar_service.load_calendar(engine), TODAY, NOW)
    starts = [sp.start for sp in (per.band, per.previous, per.running, per.year, per.term)
              if sp is not None]
    return min(starts), TODAY


def copy_history(engine: Any, db: Path, years: int) -> None:
    """Earlier years: term dates through the calendar service, marks copied back 52 weeks a
    year by SQL (a benchmark's bulk data, not the product's way of writing marks)."""
    from attendance_desktop.domain.calendar import default_term_dates
    from attendance_desktop.domain.roles import Actor, Role

    head = Actor("Benchmark", Role.HEAD)
    first = calendar_service.list_years(engine)[0]
    con = sqlite3.connect(db)
    cols = [r[1] for r in con.execute("PRAGMA table_info(mark)") if r[1] != "id"]
    rest = ", ".join(c for c in cols if c != "date")
    for k in range(1, years):
        calendar_service.create_academic_year(engine, head,
                                              default_term_dates(first.start.year - k))
        con.execute(f"INSERT INTO mark (date, {rest}) SELECT date(date, '-{364 * k} days'),"
                    f" {rest} FROM mark WHERE date >= ? AND date <= ?",
                    (first.start.isoformat(), first.end.isoformat()))
        con.commit()
    con.close()


def run(pupils: int, years: int, keep: Path | None, copy: bool = False
        ) -> tuple[str, int, int, float, float, float, float, bool]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = (keep / f"{pupils}x{years}") if keep else Path(tmp) / "data"
        built = (folder / "built").exists()
        paths = resolve_paths(folder, environ={})
        engine = open_database(paths)
        if not built:
            t0 = time.perf_counter()
            demo_service.create_demo(engine, pupils=pupils, today=TODAY,
                                     years=1 if copy else years)
            if copy and years > 1:
                assert paths.sqlite_file is not None
                copy_history(engine, paths.sqlite_file, years)
            (folder / "built").write_text("demo school complete\n")
            print(f"built {pupils} pupils x {years} year(s) in "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
        clock.bind_clock(engine, clock.FixedClock(NOW))
        assert paths.sqlite_file is not None
        start, end = window(engine)
        con = sqlite3.connect(str(paths.sqlite_file))

        def raw() -> list[tuple[Any, ...]]:
            return con.execute("SELECT pupil_id, date, session, code FROM mark"
                               " WHERE date >= ? AND date <= ?",
                               (start.isoformat(), end.isoformat())).fetchall()

        def alerts() -> list[alerts_service.PupilAlert]:
            return alerts_service.alerts(engine, TODAY)

        marks = len(raw())
        held = con.execute("SELECT count(*) FROM mark").fetchone()[0]
        print(f"{pupils} pupils x {years} year(s): {held:,} marks held", flush=True)
        on_roll = len(alerts())
        t_alerts, t_raw = paired_medians(alerts, raw)
        m_alerts = peak_bytes(alerts)
        m_raw = peak_bytes(raw)
        con.close()
        engine.dispose()
    ratio, mem = t_alerts / t_raw, m_alerts / m_raw
    met = ratio <= RATIO_TARGET and mem <= MEMORY_TARGET
    return (f"{pupils} pupils, {years}y history", on_roll, marks, t_alerts, t_raw, ratio,
            mem, met)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="210:1,2000:10",
                        help="pupils:years pairs, comma separated")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the built schools in this folder and reuse them")
    parser.add_argument("--copy-history", action="store_true",
                        help="one demo year, its marks copied back for the earlier years")
    args = parser.parse_args()
    results = []
    for pair in args.sizes.split(","):
        pupils, years = (int(x) for x in pair.split(":"))
        results.append(run(pupils, years, args.keep, args.copy_history))
    head = (f"{'data':26} {'on roll':>7} {'marks read':>10} {'alerts (s)':>10} "
            f"{'read (s)':>9} {'ratio':>6} {'memory':>7}  target")
    print()
    print(head)
    print("-" * len(head))
    for name, n, marks, ta, tr, ratio, mem, met in results:
        print(f"{name:26} {n:>7} {marks:>10,} {ta:>10.3f} {tr:>9.3f} {ratio:>6.2f} "
              f"{mem:>6.2f}x  {'met' if met else 'MISSED'}")
    print(f"\ntargets: alerts within {RATIO_TARGET}x of one read of the same marks window "
          f"(median of {RUNS}), tracemalloc peak within {MEMORY_TARGET}x of the read's")
    return 0 if all(r[-1] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
