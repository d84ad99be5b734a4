"""A whole school year of marks through `export marks` and `import marks`, against a bare
csv.reader + sqlite3 executemany INSERT of the same file, in the same run.

    python benchmarks/bench_import.py [--pupils 210] [--today 2026-07-17]

The import checks every row (UPN, roll dates, code valid on its date, notes, duplicates)
before one transaction, so some cost over the bare insert is expected; the aim is a
school year in a few seconds. Prints the figures; never fails on machine speed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.interchange import mark_export, mark_import


def bare_import(csv_file: Path, db_file: Path) -> float:
    con = sqlite3.connect(db_file, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("CREATE TABLE bare_mark (id INTEGER PRIMARY KEY, upn TEXT, date TEXT, "
                "session TEXT, code TEXT, minutes_late INTEGER, comment TEXT, "
                "UNIQUE (upn, date, session))")
    t = time.perf_counter()
    with csv_file.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    con.execute("BEGIN")
    con.executemany("INSERT INTO bare_mark (upn, date, session, code, minutes_late, comment) "
                    "VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute("COMMIT")
    took = time.perf_counter() - t
    con.close()
    return took


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn()
    took = time.perf_counter() - t
    print(f"{label:<46} {took:6.2f} s   {result}")
    return took, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=210)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 7, 17))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        paths = resolve_paths(tmp / "demo", environ={})
        engine = open_database(paths)
        made = demo_service.create_demo(engine, pupils=args.pupils, today=args.today)
        print(f"demo school: {made.pupils_on_roll} pupils, {made.marks} marks, "
              f"{made.years_label}")
        export = tmp / "marks.csv"
        timed("export marks (whole year)", lambda: mark_export.export_marks(engine, export))

        # The same school with no marks yet: a copy of the file with the marks removed.
        empty = tmp / "empty"
        empty.mkdir()
        with engine.connect() as conn:
            conn.exec_driver_sql(f"VACUUM INTO '{(empty / 'attendance.sqlite3').as_posix()}'")
        con = sqlite3.connect(empty / "attendance.sqlite3")
        con.execute("DELETE FROM mark")
        con.commit()
        con.close()
        fresh = open_database(resolve_paths(empty, environ={}))

        took, result = timed("import marks into the empty register",
                             lambda: mark_import.import_marks(fresh, export))
        timed("import the same file again (all unchanged)",
              lambda: mark_import.import_marks(fresh, export))
        again = tmp / "again.csv"
        mark_export.export_marks(fresh, again)
        print(f"round trip identical: {again.read_bytes() == export.read_bytes()}")

        baseline = bare_import(export, tmp / "bare.sqlite3")
        print(f"{'bare csv.reader + executemany (baseline)':<46} {baseline:6.2f} s")
        print(f"ratio import / bare insert: {took / baseline:.1f}x for {result.new} marks; "
              f"target: a school year under 5 s -> {'met' if took < 5 else 'NOT met'}")
        engine.dispose()
        fresh.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
