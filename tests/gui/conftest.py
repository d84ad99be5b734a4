"""pytest-qt fixtures: offscreen Qt, a demo-free fresh context, and a thread-leak check."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
import tempfile
from pathlib import Path

import pytest

from attendance_desktop.services.context import AppContext

# Screenshots for a person to look at: a folder of your choice with ATTENDANCE_SCREENSHOTS,
# otherwise the temporary folder (never the checkout).
SCREENSHOTS = Path(os.environ.get("ATTENDANCE_SCREENSHOTS")
                   or Path(tempfile.gettempdir()) / "attendance-desktop-screenshots")


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Window geometry and other QSettings go to a temporary folder, not the user's."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture(autouse=True, scope="session")
def _collect_on_the_gui_thread():  # type: ignore[no-untyped-def]
    """As the app does (gui/gc_guard.py): no automatic collection, which could run on a
    background job's thread and free a closed page's widgets there; each test's garbage
    is collected on the GUI thread after it (below)."""
    import gc

    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True, scope="session")
def _app_theme(qapp):  # type: ignore[no-untyped-def]
    """The app's light theme (Fusion, palette, resources/style.qss) from the first test on,
    as the app applies it at start, so no test depends on which window was built first."""
    from attendance_desktop.gui import theme

    theme.apply_theme(qapp, "light")


@pytest.fixture(autouse=True)
def _no_leaked_threads(qapp):  # type: ignore[no-untyped-def]
    import gc

    from PySide6.QtCore import QThreadPool

    from attendance_desktop.gui import serial_worker

    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(5000), "a test left work running on the thread pool"
    # every background job handed over (or dropped) and the worker threads ended, as at
    # app exit
    idle = serial_worker.wait_idle(5.0)
    assert serial_worker.shutdown_all(5.0), "a background job did not end"
    assert idle, "a test left background work running"
    gc.collect()  # this test's garbage, freed here on the GUI thread


@pytest.fixture
def ctx(engine, paths) -> AppContext:  # type: ignore[no-untyped-def]
    return AppContext(paths=paths, engine=engine,
                      clock=lambda: dt.datetime(2025, 11, 20, 10, 0))


def save_screenshot(widget, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Grab a widget to SCREENSHOTS/NAME.png for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    widget.grab().save(str(path))
    return path
