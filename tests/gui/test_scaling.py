"""At 100%, 125% and 150% scaling on a 1366x768 screen the main window fits, and no
header, name or label on any page or tab is cut off without a tooltip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("scale", [1.0, 1.25, 1.5])
def test_main_window_fits_and_cuts_nothing(tmp_path, scale: float) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("QT_SCALE_FACTOR", None)
    done = subprocess.run([sys.executable, "-m", "tests.gui.scaled_window", str(scale),
                           str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    min_w, min_h = result["minimum"]
    assert min_w * scale <= 1366
    assert min_h * scale <= 768 - 70  # a taskbar and a title bar
    width, height = result["size"]
    assert width * scale <= 1366, "the window grew past the screen"
    assert height * scale <= 768
    assert not result["cut"], "\n".join(result["cut"])
