"""At 100%, 125% and 150% scaling on a 1366x768 screen the main window fits, no page or
tab scrolls sideways, and no header, name or label on any of them is cut off without a
tooltip; the sign-in kiosk fits the screen on every one of its screens. One process per
scale walks both (tests/gui/scaled_walks.py), on copies of one demo school built here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import clock_at
from tests.gui import scaled_window
from tests.gui.scaled_app import DEMO_PUPILS

pytestmark = pytest.mark.slow  # runs first in a parallel run (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]


SCALES = (1.0, 1.25, 1.5)


def _demo_file(engine: Engine, demo_school: Callable[..., Any]) -> Path:
    """The walks' 60-pupil demo school on the walks' day, in this test's database (built
    once per run: tests/conftest.py demo_school); each walk opens a copy of its own."""
    clock_at(engine, scaled_window.NOW)
    demo_school(engine, pupils=DEMO_PUPILS, today=scaled_window.NOW.date())
    engine.dispose()  # everything on disk before the walks copy the file
    assert engine.url.database
    return Path(engine.url.database)


def _walk_at_every_scale(tmp_path: Path, demo: Path) -> dict[float, dict[str, Any]]:
    """Run `python -m tests.gui.scaled_walks SCALE FOLDER DEMO [SHOTS]` for every scale,
    side by side (each process spends much of its time waiting for pages to settle), and
    return each one's result, its last line of output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("QT_SCALE_FACTOR", None)
    env.pop("QT_QPA_PLATFORM", None)  # the walk sets a 1366x768 offscreen screen
    shots = os.environ.get("ATTENDANCE_SCREENSHOTS", "")
    running = {}
    for scale in SCALES:
        folder = tmp_path / f"at{scale:g}"
        folder.mkdir()
        running[scale] = subprocess.Popen(
            [sys.executable, "-m", "tests.gui.scaled_walks", str(scale), str(folder),
             str(demo), *([shots] if shots else [])],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ended = {}
    for scale, proc in running.items():  # every one waited for before any is judged
        with proc:
            ended[scale] = (*proc.communicate(timeout=600), proc.returncode)
    for scale, (_, err, code) in ended.items():
        assert code == 0, f"at {scale:g}: {err[-2000:]}"
    return {scale: json.loads(out.strip().splitlines()[-1])
            for scale, (out, _, _) in ended.items()}


def _window_problems(scale: float, result: dict[str, Any]) -> list[str]:
    at = f"main window at {scale:g}"
    found = []
    min_w, min_h = result["minimum"]
    width, height = result["size"]
    if min_w * scale > 1366 or min_h * scale > 768 - 70:  # a taskbar and a title bar
        found.append(f"{at}: the minimum size {min_w}x{min_h} does not fit the screen")
    if width * scale > 1366 or height * scale > 768:
        found.append(f"{at}: the window grew past the screen ({width}x{height})")
    return found + [f"{at}: {c}" for c in result["cut"]]  # cut text, sideways scrolling


def _kiosk_problems(scale: float, result: dict[str, Any]) -> list[str]:
    """Full screen on 1366x768 at 150% is 911x512 logical pixels: every kiosk screen and
    the staff PIN dialog fit without a widget squeezed, pushed out or cut, with touch
    targets of at least 44 px (tests/gui/scaled_kiosk.py)."""
    at = f"kiosk at {scale:g}"
    found = []
    screen = [round(1366 / scale), round(768 / scale)]
    if result["screen"] != screen or result["window"] != screen:
        found.append(f"{at}: screen {result['screen']}, window {result['window']},"
                     f" expected {screen}")
    return found + [f"{at}: {name}: {p}" for name, problems in result["problems"].items()
                    for p in problems]


def test_the_main_window_and_the_kiosk_fit_and_cut_nothing_at_every_scale(
        tmp_path: Path, engine: Engine, demo_school: Callable[..., Any]) -> None:
    walks = _walk_at_every_scale(tmp_path, _demo_file(engine, demo_school))
    found = []
    for scale, result in walks.items():
        found += _window_problems(scale, result["window"])
        found += _kiosk_problems(scale, result["kiosk"])
    assert not found, "\n".join(found)
