"""How long each page of the staff window holds the GUI thread while it opens (issue 15
point 4), at 210 and 2,000 pupils, against a bare page in the same run.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_pages.py [--pupils 210,2000]
        [--repeats 5] [--areas pupils,settings]

For each size a demo school with a full year of marks is made (as bench_grid.py), then
every area of gui/navigator.AREAS is opened as the main window does (its factory with the
application context and a Navigator), shown at 1366x768 and left until every read it
queued on the serial worker has been handed over and painted. Also timed: choosing a
pupil in the Pupils list (the profile) and choosing tabs of Settings (each page is built
when its tab is first chosen).

Figures, per page (medians of the repeats):

* block: the longest single stretch the GUI thread was busy (the page's constructor and
  first show, or one handing-over of a result): what a person feels as a frozen window.
  Target: <= 100 ms at 2,000 pupils (the issue's threshold for moving work off the GUI).
* gui: all the time spent on the GUI thread for the page (constructor, show, every
  hand-over and paint; time spent only waiting for the worker is left out).
* ready: wall time until the page shows its data (for context).
* sql: statements the page ran on the GUI thread, and the time spent in them (from
  SQLAlchemy's cursor events; fetching is counted only as far as execute does it).

Baseline: a bare QWidget with a QTableWidget of the same size shown the same way. Prints
the figures; never fails on machine speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service

TODAY = dt.date(2026, 7, 15)  # a Wednesday near the end of the year: a full year of marks


class SqlOnGui:
    """Counts the statements run on the GUI thread (main thread) and their time."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        self.ms = 0.0
        self._t: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            self._t[id(conn)] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        t = self._t.pop(id(conn), None)
        if t is not None:
            self.count += 1
            self.ms += (time.perf_counter() - t) * 1000


SQL: SqlOnGui | None = None


class Meter:
    """Times the GUI thread's busy stretches: each call made through `busy` is one."""

    def __init__(self) -> None:
        self.stretches: list[float] = []
        self.start = time.perf_counter()
        self.end = self.start
        self.sql0 = (SQL.count, SQL.ms) if SQL is not None else (0, 0.0)
        self.sql = (0, 0.0)

    def busy(self, fn: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        out = fn()
        self.stretches.append((time.perf_counter() - t) * 1000)
        return out

    def figures(self) -> tuple[float, float, float]:
        return (max(self.stretches), sum(self.stretches), (self.end - self.start) * 1000)


def settle(meter: Meter, app: Any) -> None:
    """Hand over every queued read, then let the page paint what came."""
    from attendance_desktop.gui import serial_worker

    end = time.monotonic() + 300
    while serial_worker.pending():
        assert time.monotonic() < end, "a read never ended"
        meter.busy(app.processEvents)
        time.sleep(0.001)  # waiting on the worker is not GUI time
    for _ in range(3):  # what the results scheduled (layouts, a deferred refresh, paint)
        meter.busy(app.processEvents)
        if serial_worker.pending():
            settle(meter, app)
            return
    meter.end = time.perf_counter()
    if SQL is not None:
        meter.sql = (SQL.count - meter.sql0[0], SQL.ms - meter.sql0[1])


def run(pupils: int, seed: int, repeats: int, areas: list[str]) -> dict[str, dict[str, float]]:
    from PySide6.QtWidgets import QApplication, QTableWidget, QVBoxLayout, QWidget

    from attendance_desktop.domain.roles import Actor, Role
    from attendance_desktop.gui import serial_worker
    from attendance_desktop.gui.navigator import AREAS, Navigator, load
    from attendance_desktop.services.context import AppContext

    app = QApplication.instance() or QApplication([])
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = resolve_paths(Path(tmp) / "data", environ={})
        engine = open_database(paths)
        t = time.perf_counter()
        summary = demo_service.create_demo(engine, seed=seed, pupils=pupils, today=TODAY,
                                           years=1)
        print(f"\n== {summary.pupils_on_roll} pupils on roll, {summary.marks} marks "
              f"({time.perf_counter() - t:.1f} s to create the demo school)")
        global SQL
        SQL = SqlOnGui(engine)
        ctx = AppContext(paths=paths, engine=engine, actor=Actor("Bench Head", Role.HEAD),
                         clock=lambda: dt.datetime.combine(TODAY, dt.time(10, 30)))
        navigator = Navigator(ctx)
        open_pages: list[QWidget] = []

        def close_pages() -> None:
            assert serial_worker.wait_idle(300)
            while open_pages:
                p = open_pages.pop()
                p.close()
                p.deleteLater()
            app.processEvents()

        def bare() -> QWidget:
            page = QWidget()
            table = QTableWidget(pupils, 3)
            QVBoxLayout(page).addWidget(table)
            return page

        def opener(factory: Callable[[], QWidget]) -> Callable[[], Meter]:
            def open_page() -> Meter:
                meter = Meter()

                def build() -> QWidget:
                    page = factory()
                    page.resize(1366, 768)
                    page.show()
                    app.processEvents()
                    return page

                open_pages.append(meter.busy(build))
                settle(meter, app)
                return meter
            return open_page

        cases: dict[str, Callable[[], Meter]] = {"bare table page (baseline)": opener(bare)}
        for a in AREAS:
            if a.key in areas:
                cls = load(a.factory)
                cases[a.key] = opener(lambda cls=cls: cls(ctx, navigator))  # type: ignore[misc]
        if "pupils" in areas:
            cases["pupils: choose a pupil"] = _choose_pupil(ctx, navigator, app, open_pages)
        if "settings" in areas:
            for tab in ("policy", "calendar", "classes", "staff", "backups", "mail", "log"):
                cases[f"settings: {tab} tab"] = _settings_tab(ctx, navigator, app,
                                                              open_pages, tab)
        for _name, case in cases.items():  # warm up (imports, fonts, first queries)
            case()
            close_pages()
        runs: dict[str, list[Meter]] = {name: [] for name in cases}
        for _ in range(repeats):  # interleaved, so each sees the same machine state
            for name, case in cases.items():
                runs[name].append(case())
                close_pages()
        engine.dispose()
    print(f"{'page':<30} {'block ms':>9} {'gui ms':>9} {'ready ms':>9} {'sql n':>6}"
          f" {'sql ms':>7}   (medians, n={repeats})")
    for name, meters in runs.items():
        block, gui, ready = (statistics.median(m.figures()[i] for m in meters)
                             for i in range(3))
        n = statistics.median(m.sql[0] for m in meters)
        sql_ms = statistics.median(m.sql[1] for m in meters)
        results[name] = {"block": block, "gui": gui, "ready": ready, "sql": sql_ms}
        flag = "  > 100 ms" if block > 100 else ""
        print(f"{name:<30} {block:9.1f} {gui:9.1f} {ready:9.1f} {n:6.0f} {sql_ms:7.1f}{flag}")
    return results


def _choose_pupil(ctx: Any, navigator: Any, app: Any,
                  open_pages: list[Any]) -> Callable[[], Meter]:
    """The Pupils page open and settled; then the time to show one pupil's profile."""
    from attendance_desktop.gui.navigator import area, load

    cls = load(area("pupils").factory)
    turn = [0]

    def case() -> Meter:
        page = cls(ctx, navigator)
        page.resize(1366, 768)
        page.show()
        open_pages.append(page)
        settle(Meter(), app)
        rows = page.model.rowCount()
        turn[0] = (turn[0] + 37) % max(rows, 1)
        meter = Meter()
        meter.busy(lambda: page.table.selectRow(turn[0]))
        settle(meter, app)
        return meter
    return case


def _settings_tab(ctx: Any, navigator: Any, app: Any, open_pages: list[Any],
                  tab: str) -> Callable[[], Meter]:
    from attendance_desktop.gui.navigator import area, load

    cls = load(area("settings").factory)

    def case() -> Meter:
        page = cls(ctx, navigator)
        page.resize(1366, 768)
        page.show()
        open_pages.append(page)
        settle(Meter(), app)
        meter = Meter()
        meter.busy(lambda: page.show_section(tab))
        settle(meter, app)
        return meter
    return case


def main() -> int:
    from attendance_desktop.gui.navigator import AREAS

    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", default="210,2000")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--areas", default=",".join(a.key for a in AREAS))
    args = parser.parse_args()
    areas = args.areas.split(",")
    results = {n: run(n, args.seed, args.repeats, areas)
               for n in (int(x) for x in args.pupils.split(","))}
    print("\nsummary (longest GUI-thread stretch, ms; target <= 100 at 2,000 pupils):")
    names = list(next(iter(results.values())))
    print(f"  {'page':<30}" + "".join(f"{n:>10}" for n in results))
    for name in names:
        print(f"  {name:<30}" + "".join(f"{results[n][name]['block']:10.1f}" for n in results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
