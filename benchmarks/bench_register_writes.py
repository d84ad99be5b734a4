"""The register's write path at size, against raw sqlite3 executemany of the same rows in
the same run (ratios, never pass/fail on machine speed).

    python benchmarks/bench_register_writes.py [--pupils 2000] [--import-marks 200000]

1. "All present" for every pupil (one session) and a whole-school closure (two sessions):
   milliseconds, statements sent, and the ratio to a raw executemany of the same rows.
2. `import marks` of a big file (school days from the calendar, over four academic years
   so 1M marks fit at 2,000 pupils): how long the write lock is held, measured where it
   is taken and released (services/write_lock.watch_held), against a raw executemany of
   the same rows; extrapolated to 1M marks. The import process logs the phases inside
   the lock.
3. Kiosk sign-ins in this process while another process runs that import (on days the
   file does not hold): p50/p99 and failures, all in the same run as 2, with the machine's
   load average (os.getloadavg) before and after: on a shared machine every time is
   inflated, so the ratios and the load go with the figures.

    --only bulk|import   run one part
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import multiprocessing
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.database import open_database
from attendance_desktop.services.interchange import mark_import
from attendance_desktop.services.kiosk import kiosk_service
from attendance_desktop.services.register import (
    closure_service,
    integrity_service,
    register_service,
)
from attendance_desktop.services.school import calendar_service

HEAD = Actor("Bench head", Role.HEAD)
OFFICE = Actor("Bench office", Role.OFFICE)
REASON = "Overslept / traffic / other"


def make_school(tmp: Path, pupils: int):  # type: ignore[no-untyped-def]
    paths = resolve_paths(tmp / "data", environ={})
    engine = open_database(paths)
    calendar_service.create_academic_year(engine, HEAD, default_term_dates(2025))
    rows = [(f"P{i}", "Bench", "2017-05-01", "3", "2022-09-01", with_check_letter(f"77{i:010d}"))
            for i in range(pupils)]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO pupil (legal_forename, legal_surname, preferred_forename,"
            " preferred_surname, dob, year_group, admission_date, sex, sen, fsm,"
            " pupil_premium, looked_after, child_in_need, eal, young_carer, ethnicity, notes,"
            " is_demo, upn, leaving_reason) VALUES (?, ?, '', '', ?, ?, ?, '', 'N', 0, 0, 0, 0,"
            " 0, 0, '', '', 0, ?, '')", rows)
    with session_scope(engine) as s:
        ids = [i for (i,) in s.connection().exec_driver_sql("SELECT id FROM pupil ORDER BY id")]
    return paths, engine, ids


def raw_marks(db_file: Path, rows: list[tuple[object, ...]]) -> float:
    """The same rows through sqlite3 executemany into a copy of the mark table."""
    con = sqlite3.connect(db_file, isolation_level=None)
    con.execute("PRAGMA synchronous=FULL")
    con.execute("DROP TABLE IF EXISTS raw_mark")
    con.execute("CREATE TABLE raw_mark AS SELECT * FROM mark WHERE 0")
    con.execute("CREATE UNIQUE INDEX raw_u ON raw_mark (pupil_id, date, session)")
    con.execute("CREATE INDEX raw_ix ON raw_mark (date, session, pupil_id, code, minutes_late)")
    t = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany("INSERT INTO raw_mark (pupil_id, date, session, code, minutes_late, comment,"
                    " source, entered_by, entered_role, entered_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    rows)
    con.execute("COMMIT")
    took = time.perf_counter() - t
    con.execute("DROP TABLE raw_mark")
    con.close()
    return took


class Statements:
    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.n = 0
        self.lock_held: list[float] = []
        self._t0 = 0.0
        event.listen(engine, "before_cursor_execute", self.count)
        event.listen(engine, "commit", self.commit)

    def count(self, conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        self.n += 1
        if statement == "BEGIN IMMEDIATE":
            self._t0 = time.perf_counter()

    def commit(self, conn) -> None:  # type: ignore[no-untyped-def]
        if self._t0:
            self.lock_held.append(time.perf_counter() - self._t0)
            self._t0 = 0.0


def bench_bulk(tmp: Path, pupils: int) -> None:
    paths, engine, ids = make_school(tmp / "bulk", pupils)
    clock = FixedClock(dt.datetime(2025, 11, 3, 9, 0))
    bind_clock(engine, clock)
    stmts = Statements(engine)
    days = [dt.date(2025, 11, d) for d in (3, 4, 5, 6, 7, 10, 11)]
    ours, raws, counts = [], [], []
    for day in days[:5]:
        clock.set(dt.datetime.combine(day, dt.time(9, 0)))
        stmts.n = 0
        t = time.perf_counter()
        done = register_service.mark_all_present(engine, OFFICE, day, "AM", ids)
        ours.append(time.perf_counter() - t)
        counts.append(stmts.n)
        assert done.written == len(ids)
        rows = [(p, (day + dt.timedelta(days=60)).isoformat(), "AM", "/", None, "", "register",
                 "x", "office", "2025-11-03 09:00:00.000000") for p in ids]
        raws.append(raw_marks(paths.sqlite_file, rows))
    o, r = statistics.median(ours) * 1000, statistics.median(raws) * 1000
    print(f"all present, {len(ids)} pupils: {o:6.1f} ms median, {counts[-1]} statements;"
          f" raw executemany {r:6.1f} ms; ratio {o / r:.1f}x; target <100 ms ->"
          f" {'met' if o < 100 else 'NOT met'}")
    ours, raws = [], []
    for day in days[5:]:
        clock.set(dt.datetime.combine(day, dt.time(7, 30)))
        stmts.n = 0
        t = time.perf_counter()
        done = closure_service.emergency_closure(engine, OFFICE, day, "DAY", "Y4", "snow")
        ours.append(time.perf_counter() - t)
        assert done.written == 2 * len(ids)
        rows = [(p, (day + dt.timedelta(days=60)).isoformat(), ss, "Y4", None, "", "closure",
                 "x", "office", "2025-11-03 09:00:00.000000") for p in ids for ss in ("AM", "PM")]
        raws.append(raw_marks(paths.sqlite_file, rows))
    o, r = statistics.median(ours) * 1000, statistics.median(raws) * 1000
    print(f"whole-school closure, {2 * len(ids)} marks: {o:6.1f} ms median, {stmts.n}"
          f" statements; raw executemany {r:6.1f} ms; ratio {o / r:.1f}x; target <100 ms ->"
          f" {'met' if o < 100 else 'NOT met'}")
    engine.dispose()


IMPORT_YEARS = (2022, 2023, 2024, 2025)  # the file's marks; the kiosk signs in in 2026/27


def add_years(engine) -> None:  # type: ignore[no-untyped-def]
    for year in (*IMPORT_YEARS, 2026):
        if year != 2025:  # make_school made 2025/26
            calendar_service.create_academic_year(engine, HEAD, default_term_dates(year))


def open_days(engine, first: dt.date, last: dt.date) -> list[dt.date]:  # type: ignore[no-untyped-def]
    cal = calendar_service.load_calendar(engine)
    out, d = [], first
    while d <= last:
        if cal.is_open(d, "AM") and cal.is_open(d, "PM"):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def write_file(path: Path, upns: list[str], days: list[dt.date],
               n: int) -> list[tuple[str, str, str]]:
    """Up to n marks: every pupil, open school days oldest first, AM and PM."""
    cells: list[tuple[str, str, str]] = []
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["upn", "date", "session", "code", "minutes_late", "comment"])
        for day in days:
            for ss in ("AM", "PM"):
                for u in upns:
                    if len(cells) == n:
                        return cells
                    w.writerow([u, day.isoformat(), ss, "/" if ss == "AM" else "\\", "", ""])
                    cells.append((u, day.isoformat(), ss))
    return cells


def _run_import(db_file: str, csv_file: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import logging

    from attendance_desktop.services import write_lock

    logging.basicConfig(level=logging.INFO, format="  (import process) %(message)s")
    cpu_in_lock: list[float] = []

    class _Cpu(logging.Handler):  # the writer logs its thread's CPU time in the lock
        def emit(self, record: logging.LogRecord) -> None:
            if "of CPU in this thread" in record.msg and isinstance(record.args, tuple):
                cpu_in_lock.append(float(record.args[1]))

    logging.getLogger("attendance_desktop.services.register.mark_import_writer").addHandler(_Cpu())
    paths = resolve_paths(Path(db_file).parent, environ={})
    engine = open_database(paths)
    held: list[float] = []
    stmts = Statements(engine)  # BEGIN IMMEDIATE to COMMIT, seen from the driver
    watch = getattr(write_lock, "watch_held", None)  # where the lock is taken and released
    if watch is not None:
        watch(held.append)
    try:
        t = time.perf_counter()
        result = mark_import.import_marks(engine, Path(csv_file), OFFICE, reason="bench")
        out.put((time.perf_counter() - t, max(held or stmts.lock_held or [0.0]), result.new,
                 max(cpu_in_lock or [float("nan")])))
    except Exception as exc:  # reported by the parent, never a hang
        import traceback

        traceback.print_exc()
        out.put(exc)
    engine.dispose()


def bench_import(tmp: Path, pupils: int, n: int) -> None:
    paths, engine, ids = make_school(tmp / "imp", pupils)
    add_years(engine)
    with engine.connect() as conn:
        upns = [u for (u,) in conn.exec_driver_sql("SELECT upn FROM pupil ORDER BY id")]
    days = open_days(engine, dt.date(IMPORT_YEARS[0], 9, 1), dt.date(IMPORT_YEARS[-1] + 1, 7, 31))
    kiosk_days = open_days(engine, dt.date(2026, 9, 1), dt.date(2026, 12, 18))
    capacity = len(days) * 2 * len(upns)
    if n > capacity:
        print(f"(only {capacity} school sessions x pupils in {len(IMPORT_YEARS)} years at"
              f" {pupils} pupils: importing {capacity} marks, not {n})")
        n = capacity
    big = tmp / "big.csv"
    cells = write_file(big, upns, days, n)
    by_upn = dict(zip(upns, ids, strict=True))
    rows = [(by_upn[u], d, ss, "/", None, "", "import", "x", "office",
             "2025-11-03 09:00:00.000000") for u, d, ss in cells]
    cpu = time.process_time()
    raw = raw_marks(paths.sqlite_file, rows)
    raw_cpu = time.process_time() - cpu
    del rows
    engine.dispose()

    # The import in another process; kiosk sign-ins here all the while (on days the file
    # does not hold, so the two never write the same cell).
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_run_import, args=(str(paths.sqlite_file), str(big), out))
    kiosk = open_database(paths)
    clock = FixedClock(dt.datetime.combine(kiosk_days[0], dt.time(9, 10)))
    bind_clock(kiosk, clock)
    times: list[float] = []
    failures = 0
    load_before = os.getloadavg()
    proc.start()
    i = 0
    while proc.is_alive() or not times:
        pid = ids[i % len(ids)]
        day = kiosk_days[(i // len(ids)) % len(kiosk_days)]
        clock.set(dt.datetime.combine(day, dt.time(9, 10)))
        t = time.perf_counter()
        try:
            r = kiosk_service.sign_in(kiosk, pid, REASON, "Parent")
            if r.outcome not in ("signed_in", "already_in"):
                failures += 1
        except Exception as exc:  # counted, never hidden
            failures += 1
            print("kiosk failure:", exc)
        times.append((time.perf_counter() - t) * 1000)
        i += 1
    got = out.get(timeout=60)
    proc.join()
    kiosk.dispose()
    load_after = os.getloadavg()
    print(f"load average (1, 5, 15 min) before {', '.join(f'{x:.2f}' for x in load_before)};"
          f" after {', '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} CPUs)")
    if isinstance(got, Exception):
        print(f"import FAILED: {got}")
        return
    took, held, new, held_cpu = got
    per_m = held / n * 1_000_000
    print(f"import {new} marks: {took:5.2f} s in all, write lock held {held:5.2f} s;"
          f" raw executemany of the same rows {raw:5.2f} s (ratio {held / raw:.2f}x);"
          f" extrapolated to 1M marks: lock {per_m:4.1f} s (raw {raw / n * 1e6:4.1f} s);"
          f" target lock < 3 s at 1M -> {'met' if per_m < 3 else 'NOT met'}")
    # CPU time does not count the wait for a core, so on a shared machine it is the
    # better guide to what a quiet one would take (plus the disk's fsync).
    print(f"CPU time: the import's writing thread in the lock {held_cpu:5.2f} s; the raw"
          f" executemany {raw_cpu:5.2f} s (ratio {held_cpu / raw_cpu:.2f}x)")
    times.sort()
    p99 = times[max(0, int(len(times) * 0.99) - 1)]
    slow = sum(1 for t in times if t > 1000)
    print(f"kiosk sign-ins during the import: n={len(times)}, p50"
          f" {statistics.median(times):5.1f} ms, p99 {p99:6.1f} ms, max {times[-1]:6.1f} ms"
          f" ({slow} waited over a second),"
          f" failures {failures}; target p99 <= 50 ms, 0 failures ->"
          f" {'met' if p99 <= 50 and not failures else 'NOT met'}")
    bench_check(paths)


def bench_check(paths) -> None:  # type: ignore[no-untyped-def]
    """The register check after the import (its writes are in one ledger entry), against a
    plain read of every mark and ledger row; and the file's size."""
    engine = open_database(paths)
    try:
        t = time.perf_counter()
        with closing(sqlite3.connect(paths.sqlite_file)) as con:
            marks = len(con.execute("SELECT * FROM mark").fetchall())
            entries = len(con.execute("SELECT * FROM markledger").fetchall())
        raw = time.perf_counter() - t
        t = time.perf_counter()
        result = integrity_service.check(engine, record=False)
        took = time.perf_counter() - t
    finally:
        engine.dispose()
    size = paths.sqlite_file.stat().st_size / 1e6
    print(f"register check after the import: {took:5.2f} s for {marks} marks in"
          f" {entries} ledger entries ({result.records} writes verified,"
          f" {'clean' if result.ok else 'PROBLEMS'}); plain read of the rows {raw:5.2f} s"
          f" (ratio {took / raw:.1f}x); database file {size:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--import-marks", type=int, default=200_000)
    parser.add_argument("--only", choices=("bulk", "import"), default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.only != "import":
            bench_bulk(tmp, args.pupils)
        if args.only != "bulk":
            bench_import(tmp, args.pupils, args.import_marks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
