"""Start-up: process start to the sign-in dialog shown, and to the kiosk window shown, at
the demo school, against a bare PySide6 window process, alternated in one run.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_startup.py [--rounds 7] [--pupils 210]
        [--before OTHER_CHECKOUT] [--importtime]

Each round starts three fresh processes in turn: a bare QApplication showing one QWidget,
`attendance-desktop gui` (stopped when its sign-in dialog is shown) and
`attendance-desktop kiosk` (stopped when the kiosk window is shown). The time is from just
before the process is started to the first Show event of that window, taken by a small
probe (see PROBE below) that makes the QApplication, watches for the window and exits.
Target: each within 3x the bare window (median of the rounds). Prints the figures;
never fails on machine speed. `--importtime` also writes `python -X importtime` logs of
one start of each to the temporary folder, to find what a start imports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET = 3.0
TODAY = dt.date(2026, 3, 11)

# Run in the child: make the QApplication (the app uses the one that exists), watch for
# the first Show of a window of class WANT, print the seconds since T0 and leave at once.
PROBE = r"""
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

T0, WANT = float(os.environ["BENCH_T0"]), os.environ["BENCH_WANT"]

class Probe(QObject):
    def eventFilter(self, obj, event):
        if (event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow()
                and type(obj).__name__ == WANT):
            print(f"SHOWN {time.time() - T0:.4f}", flush=True)
            os._exit(0)
        return False

app = QApplication(sys.argv[:1])
probe = Probe()
app.installEventFilter(probe)
if WANT == "QWidget":
    w = QWidget()
    w.setWindowTitle("bare")
    w.resize(400, 300)
    w.show()
    app.exec()
else:
    from attendance_desktop.__main__ import main
    sys.exit(main(sys.argv[1:]))
"""


def one(want: str, args: list[str], env: dict[str, str], root: Path = ROOT) -> float:
    env = dict(env, BENCH_T0=repr(time.time()), BENCH_WANT=want, PYTHONPATH=str(root))
    # cwd: `-c` puts the current folder first on sys.path, ahead of PYTHONPATH
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, cwd=root,
                          capture_output=True, text=True, timeout=120, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("SHOWN "):
            return float(line.split()[1])
    raise RuntimeError(f"{want} never shown (exit {done.returncode}):\n"
                       f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def make_school(data: Path, pupils: int) -> None:
    from attendance_desktop.config.paths import resolve_paths
    from attendance_desktop.services.database import open_database
    from attendance_desktop.services.demo import demo_service

    engine = open_database(resolve_paths(data, environ={}))
    demo_service.create_demo(engine, pupils=pupils, today=TODAY)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pupils", type=int, default=210)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--before", type=Path, metavar="CHECKOUT",
                        help="also time another checkout (e.g. the main branch) in the same run")
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        make_school(data, a.pupils)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                   HOME=tmp, XDG_CONFIG_HOME=str(Path(tmp) / "config"))
        env.pop("ATTENDANCE_DATA_DIR", None)
        runs: dict[str, tuple[str, list[str], Path]] = {
            "bare PySide6 window": ("QWidget", [], ROOT),
            "sign-in dialog (gui)": ("LoginDialog", ["gui", "--data-dir", str(data)], ROOT),
            "kiosk window (kiosk)": ("KioskWindow", ["kiosk", "--data-dir", str(data)], ROOT),
        }
        if a.before is not None:
            runs["sign-in, before"] = ("LoginDialog", ["gui", "--data-dir", str(data)],
                                       a.before.resolve())
            runs["kiosk, before"] = ("KioskWindow", ["kiosk", "--data-dir", str(data)],
                                     a.before.resolve())
        for want, args, root in runs.values():  # warm the disk cache and .pyc files
            one(want, args, env, root)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(a.rounds):
            for name, (want, args, root) in runs.items():
                times[name].append(one(want, args, env, root))
        if a.importtime:
            for name, (want, args, root) in runs.items():
                log = Path(tempfile.gettempdir()) / f"importtime-{name.split()[0]}-{want}.txt"
                env_it = dict(env, BENCH_T0=repr(time.time()), BENCH_WANT=want,
                              PYTHONPATH=str(root))
                with log.open("w") as fh:
                    subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE, *args],
                                   env=env_it, cwd=root, stdout=subprocess.DEVNULL, stderr=fh,
                                   timeout=120, check=False)
                print(f"import times of {name}: {log}")
    print(f"demo school, {a.pupils} pupils; {a.rounds} rounds, alternated; "
          f"load average {os.getloadavg()[0]:.2f}")
    bare = statistics.median(times["bare PySide6 window"])
    for name, values in times.items():
        med = statistics.median(values)
        line = f"{name:24s} median {med * 1000:6.0f} ms  (min {min(values) * 1000:.0f}, " \
               f"max {max(values) * 1000:.0f})  {med / bare:4.1f}x bare"
        if name != "bare PySide6 window":
            line += f"  target {TARGET:.0f}x: {'met' if med <= TARGET * bare else 'NOT met'}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
