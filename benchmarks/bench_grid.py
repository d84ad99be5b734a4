"""The Register page at size (issue 12 point 10), as ratios to a raw query in the same run.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_grid.py [--pupils 210,2000]

For each size a demo school with a full year of marks is made, then:

1. Opening the whole-school YEAR Register page, everything it does included: the page's
   controls, the snapshot load, the model, the view, shown and painted once at 1366x768.
   Baseline: a raw sqlite3 SELECT of the same year's marks joined to their pupils.
   Target: page <= 1.5x the raw fetch (medians).
2. Keystroke to committed and repainted, on that page: a code key sent to the grid view,
   then events processed until the cell shows the code and the viewport has painted.
   Target: median <= 10 ms. Baseline for context: a raw sqlite3 one-row insert + commit.
   Also printed: the GUI thread's CPU time per keystroke (what the page itself costs,
   without the waits for the disk and, on a shared machine, for a CPU) and how many
   whole-grid re-reads and grid loads the keystrokes caused (0: own writes are not read
   back).

Prints the figures; never fails on machine speed.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.school import calendar_service

TODAY = dt.date(2026, 7, 15)  # a Wednesday near the end of the year: a full year of marks


def timings(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def line(name: str, ms: list[float]) -> str:
    return (f"{name:<34} median {statistics.median(ms):8.2f} ms   best {min(ms):8.2f} ms"
            f"   (n={len(ms)})")


def run(pupils: int, seed: int, repeats: int, keys: int) -> dict[str, float]:
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.domain.roles import Actor, Role
    from attendance_desktop.gui import serial_worker
    from attendance_desktop.gui.register.register_widget import RegisterWidget
    from attendance_desktop.services.context import AppContext

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        paths = resolve_paths(Path(tmp) / "data", environ={})
        engine = open_database(paths)
        t = time.perf_counter()
        summary = demo_service.create_demo(engine, seed=seed, pupils=pupils, today=TODAY,
                                           years=1)
        print(f"\n== {summary.pupils_on_roll} pupils on roll, {summary.marks} marks "
              f"({time.perf_counter() - t:.1f} s to create the demo school)")
        year = calendar_service.year_containing(engine, TODAY)
        assert year is not None
        assert paths.sqlite_file is not None
        con = sqlite3.connect(str(paths.sqlite_file))

        def raw() -> list[tuple[object, ...]]:
            return con.execute(
                "SELECT m.pupil_id, m.date, m.session, m.code, m.minutes_late, m.comment,"
                " m.source, p.legal_surname, p.legal_forename, p.preferred_forename,"
                " p.class_id FROM mark m JOIN pupil p ON p.id = m.pupil_id"
                " WHERE m.date >= ? AND m.date <= ?",
                (year.start.isoformat(), year.end.isoformat())).fetchall()

        raw_rows = len(raw())
        # Before the first register closes: a key is an ordinary entry, not an amendment.
        ctx = AppContext(paths=paths, engine=engine, actor=Actor("Bench Office", Role.OFFICE),
                         clock=lambda: dt.datetime.combine(TODAY, dt.time(8, 50)))

        class Paints(QObject):
            count = 0

            def eventFilter(self, _w: QObject, event: QEvent) -> bool:  # noqa: N802
                if event.type() == QEvent.Type.Paint:
                    Paints.count += 1
                return False

        paints = Paints()
        pages: list[RegisterWidget] = []

        def open_page() -> RegisterWidget:
            page = RegisterWidget(ctx, span="year", anchor=TODAY)
            page.resize(1366, 768)
            page.view.viewport().installEventFilter(paints)
            before = Paints.count
            page.show()
            # The grid is read on the serial worker: wait for it, then for a paint of it.
            assert serial_worker.wait_idle(300)
            while Paints.count == before:  # the view is ready when its cells have painted
                app.processEvents()
            app.processEvents()
            pages.append(page)
            return page

        def close_pages() -> None:
            while pages:
                p = pages.pop()
                p.close()
                p.deleteLater()
            app.processEvents()

        open_page()  # warm up (imports, fonts)
        close_pages()
        raw_ms = []
        page_ms = []
        for _ in range(repeats):  # interleaved, so both see the same machine state
            raw_ms += timings(raw, 1)
            page_ms += timings(open_page, 1)
            close_pages()
        page = open_page()
        model = page.model
        assert model is not None
        col = model.snap.column_index(TODAY, "AM")
        assert col is not None
        print(f"page: {model.rowCount()} pupils x {model.columnCount()} sessions; raw query"
              f" {raw_rows} rows")

        # Keystrokes: each on another pupil's cell for today AM, a code it does not hold.
        rows = [r for r in range(model.rowCount()) if model.cell_editable(r, col)][:keys]
        key_ms = []
        cpu_ms = []
        reads, loads = page.live_grid.reads, page.loader.loads
        page.activateWindow()
        page.view.setFocus()
        for r in rows:
            code, key = ("N", Qt.Key.Key_N) if model.code_at(r, col) != "N" else (
                "I", Qt.Key.Key_I)
            page._set_current(r, col)
            app.processEvents()
            before = Paints.count
            t, cpu = time.perf_counter(), time.thread_time()
            QTest.keyClick(page.view, key)
            while model.code_at(r, col) != code or Paints.count == before:
                app.processEvents()
            key_ms.append((time.perf_counter() - t) * 1000)
            cpu_ms.append((time.thread_time() - cpu) * 1000)
        assert serial_worker.wait_idle(60)
        app.processEvents()
        rereads = page.live_grid.reads - reads + page.loader.loads - loads
        written = page.status.text()
        close_pages()
        # The service write alone (the same call the grid makes), for the breakdown.
        from attendance_desktop.services.register import register_service
        from attendance_desktop.services.register.register_service import MarkChange

        snap = model.snap
        service_ms = []
        for r in rows:
            pid = snap.pupils[r].id
            code = "O" if snap.codes[r][col] != "O" else "G"
            change = MarkChange(pid, TODAY, "AM", code, seen_code=snap.codes[r][col])
            t = time.perf_counter()
            register_service.apply_changes(engine, ctx.actor, [change])
            service_ms.append((time.perf_counter() - t) * 1000)
            snap.codes[r][col] = code

        def raw_write() -> None:
            raw_write.n += 1  # type: ignore[attr-defined]
            con.execute("INSERT INTO callog_bench (n) VALUES (?)", (raw_write.n,))  # type: ignore[attr-defined]
            con.commit()

        con.execute("CREATE TABLE callog_bench (n INTEGER)")
        raw_write.n = 0  # type: ignore[attr-defined]
        raw_write_ms = timings(raw_write, keys)
        con.close()
        engine.dispose()

    print(line("raw sqlite3 fetch (marks+pupils)", raw_ms))
    print(line("Register page open (year, all)", page_ms))
    ratio = statistics.median(page_ms) / statistics.median(raw_ms)
    print(f"  ratio page / raw fetch: {ratio:.2f}x (target <= 1.5x)")
    print(line("keystroke -> committed + painted", key_ms))
    print(line("  GUI thread CPU per keystroke", cpu_ms))
    print(f"  whole-grid reads caused by the {len(key_ms)} keystrokes: {rereads}")
    print(line("  of which apply_changes (1 cell)", service_ms))
    print(line("raw sqlite3 insert + commit", raw_write_ms))
    print(f"  keystroke median {statistics.median(key_ms):.2f} ms (target <= 10 ms);"
          f" last status: {written!r}")
    return {"ratio": ratio, "key_median": statistics.median(key_ms)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", default="210,2000")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keys", type=int, default=40)
    args = parser.parse_args()
    results = {n: run(n, args.seed, args.repeats, args.keys)
               for n in (int(x) for x in args.pupils.split(","))}
    print("\nsummary:")
    for n, r in results.items():
        print(f"  {n:>5} pupils: page open {r['ratio']:.2f}x raw fetch (<= 1.5x),"
              f" keystroke median {r['key_median']:.2f} ms (<= 10 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
