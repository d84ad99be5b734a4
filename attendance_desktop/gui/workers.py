"""Running generator services off the GUI thread.

A job is `job(token) -> Generator[Progress, None, R]`: it yields `Progress` between steps,
calls `token.check()` (raising `Cancelled`) and returns its result. `GeneratorRunnable`
runs it on a thread pool and reports through `JobSignals`, a QObject living in the GUI
thread, so connected `@Slot` methods run in the GUI thread. Workers never touch widgets.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from attendance_desktop.domain.progress import Cancelled, CancelToken, Progress

Job = Callable[[CancelToken], Generator[Progress, None, Any]]


class JobSignals(QObject):
    """Created in the GUI thread; emitted from the worker (queued across threads).

    The result and the exception are left on `result` / `error` before `succeeded` /
    `failed` is emitted, so no Python object travels through a queued signal (PySide6
    has shown reference-count trouble with queued `object` arguments)."""

    progressed = Signal(int, int, str)  # done, total, label
    succeeded = Signal()  # read .result
    failed = Signal()  # read .error
    cancelled = Signal()
    ended = Signal()  # always last, whatever the outcome

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.result: Any = None
        self.error: BaseException | None = None
        self.runnable: QRunnable | None = None  # kept alive until the job has ended
        self.ended.connect(self._release)

    @Slot()
    def _release(self) -> None:
        self.runnable = None  # dropped in the GUI thread, never by the pool


class GeneratorRunnable(QRunnable):
    def __init__(self, job: Job, token: CancelToken, signals: JobSignals) -> None:
        super().__init__()
        self.job = job
        self.token = token
        self.signals = signals
        # Python owns the runnable: a pool thread deleting a Python subclass has been
        # seen to corrupt reference counts at shutdown.
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            self._run()
        except RuntimeError as exc:
            # The page that started the job was closed while it ran, so its signals
            # object is gone: there is no one left to tell.
            if "deleted" not in str(exc):
                raise

    def _run(self) -> None:
        try:
            gen = self.job(self.token)
            try:
                while True:
                    step = next(gen)
                    self.token.check()
                    self.signals.progressed.emit(step.done, step.total, step.label)
            except StopIteration as stop:
                self.signals.result = stop.value
            self.signals.succeeded.emit()
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:  # reported to the GUI, which shows the message
            if isinstance(exc, RuntimeError) and "Signal source has been deleted" in str(exc):
                raise
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.error = exc
            self.signals.failed.emit()
        finally:
            self.signals.ended.emit()


def start_job(job: Job, signals: JobSignals, token: CancelToken | None = None,
              pool: QThreadPool | None = None) -> CancelToken:
    """Start `job` on `pool` (the global pool by default); returns its cancel token."""
    token = token or CancelToken()
    runnable = GeneratorRunnable(job, token, signals)
    signals.runnable = runnable
    (pool or QThreadPool.globalInstance()).start(runnable)
    return token
