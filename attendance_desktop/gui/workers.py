"""Running generator services off the GUI thread.

A job is `job(token) -> Generator[Progress, None, R]`: it yields `Progress` between steps,
calls `token.check()` (raising `Cancelled`) and returns its result. `GeneratorRunnable`
runs it on a thread pool and reports through `JobSignals`, a QObject living in the GUI
thread, so connected `@Slot` methods run in the GUI thread. Workers never touch widgets.
"""

from __future__ import annotations

import time
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
        self.runnable = None  # the job has ended (the runnable itself lives on in _LIVE)
        _prune()


# Every runnable started, kept here until a few seconds after it finished and only then
# dropped, in the GUI thread: a Python QRunnable freed while its thread is still returning
# from run() (or freed by the garbage collector on another thread, when its page was
# closed mid-job) crashes the interpreter.
_LIVE: list[GeneratorRunnable] = []
_GRACE_S = 5.0


def _prune() -> None:
    """Drop runnables that finished more than _GRACE_S ago, breaking their references
    here so that everything they held is freed in the GUI thread."""
    cutoff = time.monotonic() - _GRACE_S
    keep = []
    for r in _LIVE:
        if r.finished_at is None or r.finished_at > cutoff:
            keep.append(r)
            continue
        try:
            if r.signals.runnable is r:
                r.signals.runnable = None
        except RuntimeError:  # its page (and signals object) is gone
            pass
        r.job = None  # type: ignore[assignment]
        r.signals = None  # type: ignore[assignment]
    _LIVE[:] = keep


class GeneratorRunnable(QRunnable):
    def __init__(self, job: Job, token: CancelToken, signals: JobSignals) -> None:
        super().__init__()
        self.job = job
        self.token = token
        self.signals = signals
        self.finished_at: float | None = None  # set by the worker, read in the GUI thread
        # Python owns the runnable (see _LIVE): a pool thread deleting a Python subclass
        # has been seen to corrupt reference counts.
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
            try:
                self.signals.ended.emit()
            finally:
                self.finished_at = time.monotonic()


def start_job(job: Job, signals: JobSignals, token: CancelToken | None = None,
              pool: QThreadPool | None = None) -> CancelToken:
    """Start `job` on `pool` (the global pool by default); returns its cancel token."""
    token = token or CancelToken()
    _prune()
    runnable = GeneratorRunnable(job, token, signals)
    signals.runnable = runnable
    _LIVE.append(runnable)
    (pool or QThreadPool.globalInstance()).start(runnable)
    return token
