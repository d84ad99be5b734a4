"""The leak checks themselves: a test that leaves a thread, a timer or a window behind
fails (in a separate pytest run, with the suite's own fixtures), one that cleans up or is
marked leaks_allowed passes."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LEAKY_TESTS = '''
import threading

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QDialog, QWidget

KEEP = []


class Sleeper(QThread):
    def run(self):
        self.msleep(1500)  # longer than the check waits (0.5 s here), over before the run ends


def test_leaves_a_repeating_timer(qapp):
    timer = QTimer()
    timer.start(1000)
    KEEP.append(timer)


def test_leaves_a_single_shot_pending(qapp):
    QTimer.singleShot(60_000, lambda: None)


def test_leaves_a_window_open(qapp):
    dialog = QDialog()
    dialog.show()
    KEEP.append(dialog)


def test_leaves_a_qthread_running(qapp):
    thread = Sleeper()
    thread.start()
    KEEP.append(thread)


def test_leaves_a_python_thread_running():
    stop = threading.Event()
    KEEP.append(stop)
    threading.Thread(target=stop.wait, args=(30,), daemon=True, name="lingerer").start()


def test_cleans_up(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    timer = QTimer(dialog)
    timer.start(1000)
    QTimer.singleShot(0, lambda: None)
    QWidget().show()  # nobody keeps it: gone once the test's garbage is collected


@pytest.mark.leaks_allowed("timers", reason="this test says why")
def test_marked_may_leave_a_timer(qapp):
    timer = QTimer()
    timer.start(1000)
    KEEP.append(timer)


def test_zz_last_lets_the_threads_end():
    for kept in KEEP:
        if isinstance(kept, QThread):
            kept.wait()
        elif isinstance(kept, threading.Event):
            kept.set()
'''


@pytest.mark.slow
def test_leaks_fail_the_test_that_made_them(pytester: pytest.Pytester,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest(textwrap.dedent("""
        from tests.conftest import _no_leaked_python_threads  # noqa: F401
        from tests.gui.conftest import _collect_on_the_gui_thread, _no_leaks  # noqa: F401
        from tests.gui.conftest import pytest_runtest_makereport  # noqa: F401
    """))
    pytester.makeini(textwrap.dedent("""
        [pytest]
        markers = leaks_allowed(*kinds, reason): may leave these behind
    """))
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("ATTENDANCE_LEAK_WAIT_S", "0.5")  # the checks wait 0.5 s, not 5 s
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    out = result.stdout.str()
    result.assert_outcomes(passed=8, errors=5)  # the five leaks fail in teardown
    assert "timers still active: QTimer every 1000 ms" in out
    assert "single shot to test_leaves_a_single_shot_pending.<locals>.<lambda>" in out
    assert "top-level widgets still alive: QDialog(, visible)" in out
    assert "threads still running: Sleeper" in out
    assert "Python threads running: lingerer" in out
