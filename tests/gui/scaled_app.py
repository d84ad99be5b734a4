"""The start shared by the scaled-screen walks (scaled_window, scaled_kiosk), each run by
test_scaling.py in a fresh process because Qt reads the scale factor when it starts: an
offscreen 1366x768 screen at the scale, settings in the data folder, the app's theme and
a 60-pupil demo school (a copy of one the test built, or built here when run by hand).

Nothing here imports pytest or tests/conftest.py: each walk is a process of its own, and
importing the test harness took 1.7 s of each one's CPU."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.services.context import AppContext


def laptop_screen(folder: str, width: int = 1366, height: int = 768) -> str:
    """The offscreen platform with one screen of width x height device pixels (its own
    default is 800x800); QT_SCALE_FACTOR then divides it into logical pixels."""
    config = Path(folder) / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    return f"offscreen:configfile={config}"


DEMO_PUPILS = 60


def start(scale: float, data_dir: str, now: dt.datetime, theme_name: str = "light",
          demo_file: str = "") -> tuple[QApplication, AppContext]:
    """The QApplication on the scaled screen and a demo school's context at `now`: a copy
    of `demo_file` (a 60-pupil demo school made for `now`'s day) or, without one, a demo
    school made here."""
    os.environ["QT_QPA_PLATFORM"] = laptop_screen(data_dir)
    os.environ["QT_SCALE_FACTOR"] = str(scale)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.config.paths import resolve_paths
    from attendance_desktop.services.context import AppContext
    from attendance_desktop.services.database import open_database
    from attendance_desktop.services.demo import demo_service
    from attendance_desktop.services.school import auth_service

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, data_dir)
    app = QApplication([])
    from attendance_desktop.gui import theme

    theme.apply_theme(app, theme_name)
    # PINs hashed at the tests' cheap cost (tests/conftest.py cheap_pin_hashing): the
    # demo's staff PINs at production cost took 1.6 s of each walk
    auth_service.use_hash_cost(auth_service.HashCost(1, 8, 1))
    paths = resolve_paths(os.path.join(data_dir, "data"), environ={})
    if demo_file:
        assert paths.sqlite_file is not None
        paths.sqlite_file.parent.mkdir(parents=True, mode=0o700)
        shutil.copyfile(demo_file, paths.sqlite_file)
        engine = open_database(paths)
    else:
        engine = open_database(paths)
        demo_service.create_demo(engine, pupils=DEMO_PUPILS, today=now.date())
    return app, AppContext(paths=paths, engine=engine, clock=lambda: now)


Walk = Callable[["QApplication", "AppContext", float, str], dict[str, object]]


def on_its_own(walk: Walk, scale: float, data_dir: str, now: dt.datetime, shots: str = "",
               theme_name: str = "light") -> dict[str, object]:
    """One walk in a process of its own (run by hand): the app and a demo school of its
    own at `now`, the walk, then the school closed."""
    app, ctx = start(scale, data_dir, now, theme_name)
    try:
        return walk(app, ctx, scale, shots)
    finally:
        ctx.engine.dispose()
