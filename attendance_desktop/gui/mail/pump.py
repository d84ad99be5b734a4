"""The background sender: while the app is open a QTimer flushes the outbox off the GUI
thread (one flush at a time); "Send now" asks for one straight away."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.gui.serial_worker import own_worker
from attendance_desktop.gui.workers import JobSignals, start_job
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.mail import sender

INTERVAL_MS = 60_000  # the outbox's shortest backoff is one minute


class MailPump(QObject):
    """Emits `finished(text)` after each flush with a one-line result for the status line."""

    finished = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *,
                 interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # its own thread: a slow mail server never holds up the pages' reads
        self.worker = own_worker("mail")
        self.running = False
        self.last = ""
        self.signals: JobSignals | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.send_now)
        if interval_ms > 0:  # 0: only when asked (the Outbox's own "Send now")
            self.timer.start()

    def _job(self, token: CancelToken):  # type: ignore[no-untyped-def]
        return sender.flush_steps(self.ctx.engine, token)

    @Slot()
    def send_now(self) -> bool:
        """Start a flush unless one is running; False if one was already running."""
        if self.running:
            return False
        self.running = True
        self.signals = JobSignals(self)
        self.signals.succeeded.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.signals.ended.connect(self._ended)
        start_job(self._job, self.signals, worker=self.worker)
        return True

    @Slot()
    def _done(self) -> None:
        assert self.signals is not None
        self.last = str(self.signals.result)

    @Slot()
    def _failed(self) -> None:
        assert self.signals is not None
        self.last = f"Email not sent: {self.signals.error}"

    @Slot()
    def _ended(self) -> None:
        self.running = False
        self.finished.emit(self.last)

    def stop(self) -> None:
        self.timer.stop()
