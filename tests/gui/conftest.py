"""pytest-qt fixtures: offscreen Qt, a demo-free fresh context, and leak checks (threads,
timers, top-level widgets: tests/gui/qt_leaks.py)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
import tempfile
from pathlib import Path

import pytest

from attendance_desktop.services.context import AppContext
from tests.conftest import LEAK_WAIT_S
from tests.gui.gates import OPENED
from tests.gui.qt_leaks import QtLeakWatch, allowed

# Screenshots for a person to look at: a folder of your choice with ATTENDANCE_SCREENSHOTS,
# otherwise the temporary folder (never the checkout).
SCREENSHOTS = Path(os.environ.get("ATTENDANCE_SCREENSHOTS")
                   or Path(tempfile.gettempdir()) / "attendance-desktop-screenshots")
ASKED_FOR_SCREENSHOTS = bool(os.environ.get("ATTENDANCE_SCREENSHOTS"))


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
    is collected on the GUI thread after it (below).

    What is alive once the app's modules are imported is frozen (gc.freeze): it lives for
    the whole run, and leaving it out makes each test's collection ~5 times cheaper."""
    import gc

    import attendance_desktop.gui.main_window  # noqa: F401  (most of the GUI's modules)

    gc.disable()
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
    gc.enable()


@pytest.fixture(autouse=True, scope="session")
def _app_theme(qapp):  # type: ignore[no-untyped-def]
    """The app's light theme (Fusion, palette, resources/style.qss) from the first test on,
    as the app applies it at start, so no test depends on which window was built first."""
    from attendance_desktop.gui import theme

    theme.apply_theme(qapp, "light")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.call_failed = report.failed  # a failed test's leaks are not reported again
    return report


@pytest.fixture(autouse=True)
def _no_leaks(qapp, request, monkeypatch):  # type: ignore[no-untyped-def]
    """Fail a test that leaves a Qt thread or pool job running, a timer active, or a
    top-level widget alive (see tests/gui/qt_leaks.py; opt out with leaks_allowed)."""
    from attendance_desktop.gui import serial_worker

    watch = QtLeakWatch()
    patcher = pytest.MonkeyPatch()  # its own, still in place while the test's is undone
    watch.arm(patcher)
    try:
        yield
        monkeypatch.undo()  # the test's patches may hold its objects (a lambda's closure)
        # every background job handed over (or dropped) and the worker threads ended, as at
        # app exit
        idle = serial_worker.wait_idle(LEAK_WAIT_S)
        ended = serial_worker.shutdown_all(LEAK_WAIT_S)
        threads = watch.running_threads(wait_ms=int(LEAK_WAIT_S * 1000))
        watch.settle()  # this test's garbage, freed here on the GUI thread
        timers = watch.active_timers(wait_ms=int(min(1.0, LEAK_WAIT_S) * 1000))
        windows = watch.live_windows()
    finally:
        patcher.undo()
    found = []
    if not idle and not allowed(request, "threads"):
        found.append("background work still queued on the serial worker")
    if not ended and not allowed(request, "threads"):
        found.append("a serial worker's job did not end")
    if threads and not allowed(request, "threads"):
        found.append("threads still running: " + ", ".join(threads))
    if timers and not allowed(request, "timers"):
        found.append("timers still active: " + ", ".join(timers))
    if windows and not allowed(request, "widgets"):
        found.append("top-level widgets still alive: " + ", ".join(
            f"{type(w).__name__}({w.objectName()}{', visible' if w.isVisible() else ''})"
            for w in windows))
    watch.dispose(windows)
    if found and not getattr(request.node, "call_failed", False):
        pytest.fail("the test leaked Qt objects: " + "; ".join(found), pytrace=False)


@pytest.fixture(autouse=True)
def _open_every_gate(_no_leaks):  # type: ignore[no-untyped-def]
    """A read a test held back (tests/gui/gates.py) is let go when the test ends, even a
    failing one, before the leak checks look for running threads."""
    yield
    for event in OPENED:
        event.set()
    OPENED.clear()


@pytest.fixture
def ctx(engine, paths) -> AppContext:  # type: ignore[no-untyped-def]
    return AppContext(paths=paths, engine=engine,
                      clock=lambda: dt.datetime(2025, 11, 20, 10, 0))


def save_screenshot(widget, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Grab a widget (it paints, as on screen) and, when ATTENDANCE_SCREENSHOTS names a
    folder, save it there as NAME.png for a person to look at (PNG encoding is ~25 ms a
    picture, for pictures nobody opens otherwise)."""
    path = SCREENSHOTS / f"{name}.png"
    picture = widget.grab()
    assert not picture.isNull(), f"{name}: the widget could not be drawn"
    if ASKED_FOR_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        picture.save(str(path))
    return path
