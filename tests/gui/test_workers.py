from __future__ import annotations

from attendance_desktop.domain.progress import Progress
from attendance_desktop.gui.progress import BackgroundTask


def _count(n, token, gate=None):
    for i in range(n):
        if gate is not None:
            gate.wait(5)
        token.check()
        yield Progress(i + 1, n, f"step {i + 1}")
    return n * 10


def test_background_task_reports_progress_and_result(qtbot):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    task = BackgroundTask(parent, "Counting", lambda token: _count(5, token))
    seen = []
    task.progressed.connect(lambda d, t, label: seen.append(d))
    with qtbot.waitSignal(task.succeeded, timeout=5000) as blocker:
        task.start()
    assert blocker.args == [50]
    qtbot.waitUntil(lambda: not task.running, timeout=2000)
    assert seen == [1, 2, 3, 4, 5]


def test_cancel_stops_the_job_and_hides_the_dialog(qtbot):
    import threading

    from PySide6.QtWidgets import QPushButton, QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    gate = threading.Event()
    task = BackgroundTask(parent, "Waiting", lambda token: _count(1000, token, gate),
                          delay_ms=10)
    finished = []
    task.succeeded.connect(finished.append)
    task.start()
    qtbot.waitUntil(task.dialog.isVisible, timeout=3000)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        task.dialog.findChild(QPushButton).click()  # the user's Cancel button
        gate.set()
    assert finished == []
    assert not task.dialog.isVisible()


def test_a_job_outliving_its_page_ends_quietly(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A page closed while its background read runs: the job's signals object is deleted
    with the page, and the job must end without an error (none reaches the event loop)."""
    import threading

    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QWidget

    from attendance_desktop.domain.progress import Progress
    from attendance_desktop.gui.workers import JobSignals, start_job

    go = threading.Event()

    def job(_token):  # type: ignore[no-untyped-def]
        go.wait(5)
        yield Progress(1, 1, "")
        return 42

    page = QWidget()
    signals = JobSignals(page)
    start_job(job, signals)
    page.deleteLater()
    qtbot.waitUntil(lambda: _deleted(signals), timeout=2000)
    go.set()
    assert QThreadPool.globalInstance().waitForDone(5000)
    qtbot.wait(20)  # anything the job emitted is delivered (or dropped) now


def _deleted(obj) -> bool:  # type: ignore[no-untyped-def]
    from shiboken6 import isValid

    return not isValid(obj)
