"""Smoke-test a built one-folder bundle (Linux or Windows) as IT would use it.

    python packaging/smoke_test.py dist/AttendanceDesktop [--gui-seconds 10]

Runs the real frozen programs in a new temporary data folder:
  1. `attendance-desktop --version` prints the version in attendance_desktop/__init__.py;
  2. `demo --pupils 30` creates the demo school (the Alembic migrations run frozen);
  3. `stats` prints an attendance figure;
  4. `export marks FILE.csv` writes a CSV with a header and rows;
  5. a bad file is refused with exit 2 and one line on stderr, no traceback;
  6. the windowed `AttendanceDesktop` starts (QT_QPA_PLATFORM=offscreen unless told
     otherwise) on that data folder and is still running after --gui-seconds; its output
     and the log folder hold no traceback. On the demo school it waits at the sign-in
     dialog, which is the expected state.
Only the standard library is used, so any Python can run it. Exit 0 if all passed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import version as version_module  # packaging/version.py, beside this file

EXE_SUFFIX = ".exe" if os.name == "nt" else ""


class SmokeFailure(Exception):
    pass


def run(exe: Path, *args: str, expect: int = 0, timeout: float = 300) -> tuple[str, str, float]:
    start = time.monotonic()
    done = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout,
                          encoding="utf-8", errors="replace")
    took = time.monotonic() - start
    shown = " ".join([exe.name, *args])
    if done.returncode != expect:
        raise SmokeFailure(f"{shown}: exit {done.returncode}, expected {expect}\n"
                           f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}")
    if "Traceback" in done.stdout + done.stderr:
        raise SmokeFailure(f"{shown}: printed a traceback\n{done.stderr[-3000:]}")
    return done.stdout, done.stderr, took


PASSED: list[str] = []


def step(name: str, took: float, detail: str) -> None:
    PASSED.append(name)
    print(f"ok   {name:<34} {took:6.2f}s  {detail}", flush=True)


def tracebacks_in_logs(data: Path) -> list[str]:
    found = []
    for log in sorted(data.rglob("*.log*")):
        text = log.read_text(encoding="utf-8", errors="replace")
        if "Traceback" in text:
            found.append(f"{log}:\n{text[-3000:]}")
    return found


def check_gui(bundle: Path, data: Path, seconds: float, platform: str) -> None:
    exe = bundle / f"AttendanceDesktop{EXE_SUFFIX}"
    env = dict(os.environ)
    if platform:
        env["QT_QPA_PLATFORM"] = platform
    out_path, err_path = data.parent / "gui.out", data.parent / "gui.err"
    start = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen([str(exe), "--data-dir", str(data)], stdout=out, stderr=err,
                                env=env)
        with contextlib.suppress(subprocess.TimeoutExpired):  # still running: what we want
            proc.wait(timeout=seconds)
        alive = proc.poll() is None
        if alive:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    output = (out_path.read_text(encoding="utf-8", errors="replace")
              + err_path.read_text(encoding="utf-8", errors="replace"))
    if not alive:
        raise SmokeFailure(f"{exe.name} exited with {proc.returncode} within {seconds:g}s\n"
                           f"{output[-3000:]}")
    if "Traceback" in output:
        raise SmokeFailure(f"{exe.name} printed a traceback\n{output[-3000:]}")
    logs = tracebacks_in_logs(data)
    if logs:
        raise SmokeFailure("the log has a traceback\n" + "\n".join(logs))
    lines = [line for line in output.splitlines() if line.strip()]
    step(f"GUI alive after {seconds:g}s", time.monotonic() - start,
         f"no traceback; {len(lines)} line(s) of Qt output"
         + (f" (e.g. {lines[0][:60]!r})" if lines else ""))


def smoke(bundle: Path, gui_seconds: float, platform: str) -> None:
    cli = bundle / f"attendance-desktop{EXE_SUFFIX}"
    for exe in (cli, bundle / f"AttendanceDesktop{EXE_SUFFIX}"):
        if not exe.is_file():
            raise SmokeFailure(f"{exe} is missing: build with packaging/attendance_desktop.spec")
    migrations = bundle / "_internal" / "attendance_desktop" / "db" / "migrations"
    if not (migrations / "env.py").is_file() or not list((migrations / "versions").glob("*.py")):
        raise SmokeFailure(f"{migrations} lacks env.py or versions/*.py")

    expected = version_module.version()
    out, _, took = run(cli, "--version")
    if out.strip().split()[-1:] != [expected]:
        raise SmokeFailure(f"--version printed {out.strip()!r}, expected {expected}")
    step("--version", took, out.strip())

    with tempfile.TemporaryDirectory(prefix="attendance-smoke-") as tmp:
        data = Path(tmp) / "data"
        base = ("--data-dir", str(data))
        out, _, took = run(cli, *base, "demo", "--pupils", "30")
        step("demo --pupils 30", took, out.strip()[:90])

        out, _, took = run(cli, *base, "stats")
        figure = re.search(r"\d+(?:\.\d+)?%", out)
        if figure is None:
            raise SmokeFailure(f"stats printed no percentage:\n{out[:2000]}")
        step("stats", took, out.splitlines()[0][:90])

        export = Path(tmp) / "marks.csv"
        out, _, took = run(cli, *base, "export", "marks", str(export))
        with export.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        if not rows or rows[0][:4] != ["upn", "date", "session", "code"] or len(rows) < 2:
            raise SmokeFailure(f"export wrote {len(rows)} rows, header {rows[:1]}")
        step("export marks", took, f"{len(rows) - 1} marks, header {','.join(rows[0][:4])},…")

        bad = Path(tmp) / "not-pupils.csv"
        bad.write_text("this,is\nnot,a pupil file\n", encoding="utf-8")
        _, err, took = run(cli, *base, "import", "pupils", str(bad), expect=2)
        if len(err.strip().splitlines()) != 1:
            raise SmokeFailure(f"bad import: expected one line on stderr, got:\n{err}")
        step("bad import refused (exit 2)", took, err.strip()[:90])

        if gui_seconds > 0:
            check_gui(bundle, data, gui_seconds, platform)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test the frozen app.")
    parser.add_argument("bundle", type=Path,
                        help="the one-folder build, e.g. dist/AttendanceDesktop")
    parser.add_argument("--gui-seconds", type=float, default=10,
                        help="how long the window must stay up (0 = skip the GUI check)")
    parser.add_argument("--platform", default="offscreen",
                        help="QT_QPA_PLATFORM for the GUI check ('' = leave as it is)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    failed = 0
    try:
        smoke(args.bundle.resolve(), args.gui_seconds, args.platform)
    except (SmokeFailure, subprocess.TimeoutExpired) as exc:
        print(f"FAIL {exc}", flush=True)
        failed = 1
    print(f"smoke test took {time.monotonic() - start:.1f}s")
    # The last line in the form CI reads as a test result.
    print(f"smoke: {len(PASSED)} passed, {failed} failed")
    return failed


if __name__ == "__main__":
    sys.exit(main())
