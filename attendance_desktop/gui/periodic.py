"""A job that runs by itself now and then, off the GUI thread (automatic backups, the
weekly register check).

Each `PeriodicJob` has its own serial worker (gui.serial_worker), so its runs never
overlap and never wait behind (or hold up) the pages' work on the app's worker. It runs
`first_ms` after start, then every `every_ms`, and on `run_now()`; a request while a run
is going is dropped.
`finished` carries the run's result, or the exception it raised, once the run has ended
(so a slot may call `run_now()` again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.common import MessageLabel
from attendance_desktop.gui.serial_worker import own_worker
from attendance_desktop.gui.workers import Job, JobSignals, start_job

log = logging.getLogger(__name__)


class PeriodicJob(QObject):
    finished = Signal(object)  # the result (None skipped unless emit_none), or the exception

    def __init__(self, parent: QObject | None, job: Job, *, every_ms: int, first_ms: int,
                 emit_none: bool = True) -> None:
        super().__init__(parent)
        self.work = job  # the work, as a generator job (see gui.workers)
        self.emit_none = emit_none
        self.worker = own_worker(type(self).__name__)
        self.running = False
        self.token = CancelToken()
        self._outcome: object = None
        self.signals = JobSignals(self)
        self.signals.succeeded.connect(self._succeeded)
        self.signals.failed.connect(self._failed)
        self.signals.ended.connect(self._ended)
        self.timer = QTimer(self)
        self.timer.setInterval(every_ms)
        self.timer.timeout.connect(self.run_now)
        self.timer.start()
        QTimer.singleShot(first_ms, self.run_now)

    @Slot()
    def run_now(self) -> None:
        if self.running:
            return
        self.running = True
        start_job(self.work, self.signals, self.token, self.worker)

    def stop(self, wait_ms: int, *, cancel: bool) -> None:
        """No more runs; cancel the running one if asked, and wait for it to end."""
        self.timer.stop()
        if cancel:
            self.token.cancel()
        self.worker.shutdown(wait_ms / 1000, drop_queued=False)

    @Slot()
    def _succeeded(self) -> None:
        self._outcome = self.signals.result

    @Slot()
    def _failed(self) -> None:
        log.error("%s failed: %s", type(self).__name__, self.signals.error)
        self._outcome = self.signals.error

    @Slot()
    def _ended(self) -> None:
        self.running = False
        outcome, self._outcome = self._outcome, None
        if outcome is not None or self.emit_none:
            self.finished.emit(outcome)


class StatusLabel(MessageLabel):
    """A message line whose text comes from a read that may be slow (a network share, a
    large table): `refresh()` reads off the GUI thread and `show_result` puts it up; a
    refresh asked for while one is under way runs once that one ends (its read may have
    started before the change the caller wants to see)."""

    def __init__(self, object_name: str, accessible_name: str, *,
                 read: Callable[[], object], show: Callable[[object], None]) -> None:
        super().__init__(object_name)
        self.setAccessibleName(accessible_name)
        self.read = read  # the value to show (runs on a worker thread)
        self.show_result = show  # puts it up (GUI thread)
        self.busy = False
        self._again = False
        self.signals = JobSignals(self)
        self.signals.succeeded.connect(self._succeeded)
        self.signals.ended.connect(self._ended)

    @Slot()
    def refresh(self) -> None:
        if self.busy:
            self._again = True
            return
        self.busy = True
        start_job(self._job, self.signals)

    def _job(self, _token: CancelToken):  # type: ignore[no-untyped-def]
        yield Progress(0, 1, "")
        return self.read()

    @Slot()
    def _succeeded(self) -> None:
        self.show_result(self.signals.result)

    @Slot()
    def _ended(self) -> None:
        self.busy = False
        if self._again:
            self._again = False
            self.refresh()
