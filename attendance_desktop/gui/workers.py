"""Running generator services off the GUI thread (on gui.serial_worker's one thread).

A job is `job(token) -> Generator[Progress, None, R]`: it yields `Progress` between steps,
calls `token.check()` (raising `Cancelled`) and returns its result. `start_job` queues it
on the serial worker and reports through `JobSignals`, a QObject living in the GUI thread:
its signals are emitted in the GUI thread (by the worker's poller, never from the worker),
so connected `@Slot` methods run there. Workers never touch widgets. A job whose signals
object was deleted (its page closed) is told to cancel and its outcome is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, Signal

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.serial_worker import Run, SerialWorker, start

Job = Callable[[CancelToken], Generator[Progress, None, Any]]


class JobSignals(QObject):
    """The outcome is left on `result` / `error` before `succeeded` / `failed` is emitted."""

    progressed = Signal(int, int, str)  # done, total, label
    succeeded = Signal()  # read .result
    failed = Signal()  # read .error
    cancelled = Signal()
    ended = Signal()  # always last, whatever the outcome

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.result: Any = None
        self.error: BaseException | None = None
        self.running = False  # a job reporting here has not ended yet
        self.ended.connect(self._ended)

    def _ended(self) -> None:
        self.running = False

    # called in the GUI thread by the poller
    def _succeeded(self, result: Any) -> None:
        self.result = result
        self.succeeded.emit()

    def _failed(self, error: BaseException) -> None:
        self.error = error
        self.failed.emit()


def start_job(job: Job, signals: JobSignals, token: CancelToken | None = None,
              worker: SerialWorker | None = None) -> CancelToken:
    """Queue `job` on `worker` (the app's serial worker by default); its cancel token."""
    run = Run(job, token, owner=signals)
    run.on_progress = signals.progressed.emit
    run.on_succeeded = signals._succeeded
    run.on_failed = signals._failed
    run.on_cancelled = signals.cancelled.emit
    run.on_ended = signals.ended.emit
    signals.running = True
    start(run, worker)
    return run.token
