"""Benchmark: opening a pupil's profile (the chronology and the what-if) at 210 and 2,000
pupils.

Builds the demo school twice in temporary folders (210 and 2,000 pupils, one year of
history), then times in the same run, per pupil, for a sample of pupils with brothers or
sisters:

* chronology: `chronology_service.timeline(family=True)` (family, marks summary, calls,
  letters, leave, notices, tracker steps, entries);
* what-if: `whatif_service.pupil_whatif`;
* baseline: one plain sqlite3 read of the same family's marks for the year.

Both screens read only one family's records, so the size of the school must not matter:
the targets are the 2,000-pupil time within 1.5x of the 210-pupil time for each, and under
0.25 s per profile. Run: python benchmarks/bench_chronology.py
"""

from __future__ import annotations

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
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.trackers import chronology_service, whatif_service

TODAY = dt.date(2025, 11, 20)
SAMPLE = 12
RUNS = 5
SIZE_TARGET = 1.5
TIME_TARGET_S = 0.25


def median_seconds(fn: Callable[[], object]) -> float:
    fn()  # warm the caches
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def families(db: Path) -> list[int]:
    """Pupils who share a contact with parental responsibility (largest families first)."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT a.pupil_id, count(DISTINCT b.pupil_id) FROM pupilcontact a JOIN pupilcontact b"
        " ON a.contact_id = b.contact_id AND a.pupil_id != b.pupil_id WHERE"
        " a.parental_responsibility AND b.parental_responsibility GROUP BY a.pupil_id"
        " ORDER BY 2 DESC, 1").fetchall()
    con.close()
    return [r[0] for r in rows[:SAMPLE]]


def raw_read(db: Path, ids: list[int], start: dt.date) -> int:
    con = sqlite3.connect(db)
    marks = ",".join("?" * len(ids))
    n = len(con.execute(f"SELECT pupil_id, date, session, code FROM mark WHERE pupil_id IN"
                        f" ({marks}) AND date >= ? AND date <= ?",
                        [*ids, start.isoformat(), TODAY.isoformat()]).fetchall())
    con.close()
    return n


def measure(engine: Any, db: Path) -> tuple[float, float, float, int]:
    sample = families(db)
    chron, what, raw = [], [], []
    rows = 0
    for pid in sample:
        fam = chronology_service.family_of(engine, pid)
        chron.append(median_seconds(lambda p=pid: chronology_service.timeline(
            engine, p, family=True)))
        what.append(median_seconds(lambda p=pid: whatif_service.pupil_whatif(engine, p)))
        raw.append(median_seconds(lambda f=fam: raw_read(db, f, dt.date(2025, 9, 1))))
        rows += len(chronology_service.timeline(engine, pid, family=True).items)
    return (statistics.median(chron), statistics.median(what), statistics.median(raw),
            rows // max(1, len(sample)))


def main() -> int:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pupils in (210, 2000):
            paths = resolve_paths(Path(tmp) / f"p{pupils}", environ={})
            engine = open_database(paths)
            t0 = time.perf_counter()
            demo_service.create_demo(engine, today=TODAY, pupils=pupils, years=1)
            print(f"built {pupils} pupils in {time.perf_counter() - t0:.1f} s", flush=True)
            bind_clock(engine, FixedClock(dt.datetime.combine(TODAY, dt.time(10))))
            assert paths.sqlite_file is not None
            out[pupils] = measure(engine, paths.sqlite_file)
            engine.dispose()
    head = (f"{'pupils':>6} {'chronology (s)':>15} {'what-if (s)':>12} {'raw read (s)':>13}"
            f" {'rows/family':>12}")
    print("\n" + head + "\n" + "-" * len(head))
    for pupils, (c, w, r, n) in out.items():
        print(f"{pupils:>6} {c:>15.4f} {w:>12.4f} {r:>13.5f} {n:>12}")
    c_ratio = out[2000][0] / out[210][0]
    w_ratio = out[2000][1] / out[210][1]
    ok = (c_ratio <= SIZE_TARGET and w_ratio <= SIZE_TARGET
          and out[2000][0] + out[2000][1] < TIME_TARGET_S)
    print(f"\n2,000 vs 210 pupils: chronology {c_ratio:.2f}x, what-if {w_ratio:.2f}x"
          f" (target <= {SIZE_TARGET}x); profile at 2,000: "
          f"{out[2000][0] + out[2000][1]:.3f} s (target < {TIME_TARGET_S} s): "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
