"""Benchmark: the half-termly report to every family, at 210 and 2,000 pupils.

Builds the demo school in a temporary folder for each size and runs the real batch
(`letter_plans.plan_batch` + `run_batch` for `half_termly_report`: figures, layout, one
PDF per family written to disk, the combined files, every letter in the letters log).
Reports, per size: families, time (plan + run), time per letter, and the peaks of Python
memory (tracemalloc) while the batch is planned and while the letters are made, written
and logged (run_batch), measured in a second run so tracing does not slow the timed one.
run_batch should stay flat (figures gathered 200 letters at a time, letters written as
they are made), so its peak at 2,000 pupils should be close to its peak at 210. Planning
groups families over the whole list and so grows with the school.

Run: python benchmarks/bench_family_reports.py [--pupils 210,2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.domain.roles import SYSTEM_ACTOR
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.letters import letter_plans, letter_service
from attendance_desktop.services.pupils import pupil_service

TODAY = dt.date(2025, 11, 20)
KEY = "half_termly_report"


def run(engine, plan, out: Path) -> int:  # type: ignore[no-untyped-def]
    gen = letter_service.run_batch(engine, SYSTEM_ACTOR, plan, today=TODAY, out_dir=out,
                                   cancel=CancelToken(), include_repeats=True)
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return int(stop.value.letters_made)


def measure(pupils: int) -> tuple[int, float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(resolve_paths(Path(tmp) / "data", environ={}))
        demo_service.create_demo(engine, pupils=pupils, today=TODAY)
        ids = [p.id for p in pupil_service.list_pupils(engine)]
        warm = letter_plans.plan_batch(engine, KEY, ids[:20], today=TODAY)
        run(engine, warm, Path(tmp) / "warm")  # fonts registered, caches warm
        t0 = time.perf_counter()
        made = run(engine, letter_plans.plan_batch(engine, KEY, ids, today=TODAY),
                   Path(tmp) / "timed")
        seconds = time.perf_counter() - t0
        tracemalloc.start()
        plan = letter_plans.plan_batch(engine, KEY, ids, today=TODAY)
        _, plan_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        run(engine, plan, Path(tmp) / "traced")
        _, run_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.dispose()
    return made, seconds, plan_peak / 2**20, run_peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", default="210,2000")
    sizes = [int(x) for x in parser.parse_args().pupils.split(",")]
    peaks = []
    for n in sizes:
        made, seconds, plan_peak, run_peak = measure(n)
        peaks.append(run_peak)
        print(f"{n:>5} pupils: {made:>5} family letters in {seconds:6.2f} s "
              f"({1000 * seconds / made:5.1f} ms each); peak Python memory: making and "
              f"writing the letters {run_peak:5.1f} MB (planning the batch {plan_peak:5.1f} MB)")
    if len(peaks) > 1:
        print(f"making and writing, memory at {sizes[-1]} / at {sizes[0]}: "
              f"{peaks[-1] / peaks[0]:.2f}x (pupils {sizes[-1] / sizes[0]:.1f}x)")


if __name__ == "__main__":
    main()
