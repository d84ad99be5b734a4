"""A window-modal progress dialog for background jobs, shown only if the job is slow.

    task = BackgroundTask(self, "Saving letters", lambda token: service.make(..., token))
    task.succeeded.connect(self._on_saved)      # a @Slot method, not a lambda
    task.failed.connect(self._on_failed)
    task.start()

The dialog appears after `delay_ms` (500 ms) if the job is still running; its Cancel sets
the job's CancelToken, and the job stops at its next `token.check()`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.gui.serial_worker import SerialWorker
from attendance_desktop.gui.workers import Job, JobSignals, start_job


class BackgroundTask(QObject):
    """A job on the serial worker with a progress dialog after `delay_ms` and a working
    Cancel. Keep a finished task as its parent's child (it goes with the page): deleting it
    with deleteLater just after its job ended crashed Qt in ~QObject now and then (seen
    about one run in six of the backups test; none in 14 without the delete)."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    ended = Signal()

    def __init__(self, parent: QWidget, title: str, job: Job, *, delay_ms: int = 500,
                 worker: SerialWorker | None = None) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.title = title
        self.job = job
        self.worker = worker
        self.token = CancelToken()
        self.running = False
        self.signals = JobSignals(self)
        self.signals.progressed.connect(self._on_progress)
        self.signals.succeeded.connect(self._on_succeeded)
        self.signals.failed.connect(self._on_failed)
        self.signals.cancelled.connect(self._on_cancelled)
        self.signals.ended.connect(self._on_ended)
        self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumDuration(2**30)  # shown by our timer, not by setValue
        self.dialog.setAccessibleName(f"{title} progress")
        self.dialog.canceled.connect(self.cancel)
        self.dialog.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._show_dialog)

    def start(self) -> None:
        self.running = True
        start_job(self.job, self.signals, self.token, self.worker)
        self._timer.start()

    @Slot()
    def cancel(self) -> None:
        self.token.cancel()
        self.dialog.setLabelText("Cancelling…")

    @Slot()
    def _show_dialog(self) -> None:
        if self.running:
            self.dialog.show()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, label: str) -> None:
        if total > 0 and self.dialog.maximum() != total:
            self.dialog.setMaximum(total)
        self.dialog.setValue(min(done, total) if total > 0 else 0)
        if label and not self.token.cancelled:
            self.dialog.setLabelText(label)
        self.progressed.emit(done, total, label)

    @Slot()
    def _on_succeeded(self) -> None:
        self._stop_showing()
        self.succeeded.emit(self.signals.result)

    @Slot()
    def _on_failed(self) -> None:
        self._stop_showing()
        self.failed.emit(self.signals.error)

    @Slot()
    def _on_cancelled(self) -> None:
        self._stop_showing()
        self.cancelled.emit()

    @Slot()
    def _on_ended(self) -> None:
        self._stop_showing()
        self.ended.emit()

    def _stop_showing(self) -> None:
        self.running = False
        self._timer.stop()
        self.dialog.hide()
