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

    from PySide6.QtWidgets import QWidget

    from attendance_desktop.domain.progress import Progress
    from attendance_desktop.gui import serial_worker
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
    assert serial_worker.wait_idle(5.0)  # the outcome dropped: nobody to tell


def _deleted(obj) -> bool:  # type: ignore[no-untyped-def]
    from shiboken6 import isValid

    return not isValid(obj)


def test_the_serial_worker_runs_jobs_in_order_on_one_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Several jobs queued at once run one after another on one (non-GUI) thread, and
    their outcomes are handed over in the GUI thread, in order."""
    import threading

    from attendance_desktop.gui import serial_worker
    from attendance_desktop.gui.serial_worker import Run

    gui = threading.get_ident()
    ran: list[tuple[int, int]] = []  # (job, thread)
    running = []
    delivered: list[tuple[object, int]] = []

    def job(n: int):  # type: ignore[no-untyped-def]
        def work(_token):  # type: ignore[no-untyped-def]
            running.append(n)
            assert len(running) == 1, "two jobs at once"
            threading.Event().wait(0.01)
            ran.append((n, threading.get_ident()))
            running.remove(n)
            return n * 10
        return work

    for n in range(5):
        run = Run(job(n))
        run.on_succeeded = lambda r: delivered.append((r, threading.get_ident()))
        serial_worker.start(run)
    assert serial_worker.wait_idle(5.0)
    assert [n for n, _ in ran] == [0, 1, 2, 3, 4]
    assert len({t for _, t in ran}) == 1
    assert ran[0][1] != gui
    assert delivered == [(n * 10, gui) for n in range(5)]


def test_a_failure_reaches_the_failure_callback(qtbot) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.gui import serial_worker
    from attendance_desktop.gui.serial_worker import Run
    from attendance_desktop.services.errors import ServiceError

    def work(_token):  # type: ignore[no-untyped-def]
        raise ServiceError("The register is locked by another user")

    outcome: list[object] = []
    run = Run(work)
    run.on_succeeded = outcome.append
    run.on_failed = outcome.append
    run.on_ended = lambda: outcome.append("ended")
    serial_worker.start(run)
    assert serial_worker.wait_idle(5.0)
    assert isinstance(outcome[0], ServiceError)
    assert str(outcome[0]) == "The register is locked by another user"
    assert outcome[1:] == ["ended"]


def test_closing_the_page_drops_the_result_and_cancels_the_job(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    from PySide6.QtWidgets import QWidget

    from attendance_desktop.domain.progress import Progress
    from attendance_desktop.gui import serial_worker
    from attendance_desktop.gui.serial_worker import Run

    started, steps = threading.Event(), []

    def work(token):  # type: ignore[no-untyped-def]
        started.set()
        for i in range(500):
            steps.append(i)
            threading.Event().wait(0.005)
            yield Progress(i, 500, "")
        return "all done"

    page = QWidget()
    got: list[object] = []
    run = Run(work, owner=page)
    run.on_succeeded = got.append
    run.on_ended = lambda: got.append("ended")
    serial_worker.start(run)
    assert started.wait(5)
    page.deleteLater()
    qtbot.waitUntil(lambda: run.released, timeout=5000)  # handed over: dropped
    assert run.released
    assert got == []
    assert len(steps) < 500  # told to stop at its next step


def test_shutting_down_ends_the_worker_threads(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    from attendance_desktop.gui import serial_worker
    from attendance_desktop.gui.serial_worker import Run

    serial_worker.start(Run(lambda _token: 1))
    assert serial_worker.wait_idle(5.0)
    assert any(t.name.startswith("attendance-db") for t in threading.enumerate())
    assert serial_worker.shutdown_all(5.0)
    assert not any(t.name.startswith("attendance-db") for t in threading.enumerate())
