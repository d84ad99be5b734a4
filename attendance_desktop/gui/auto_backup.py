"""Automatic backups while the main window is open, and the Today board's backup warning.

`AutoBackup` checks shortly after start, then every few minutes, and once more on quit;
the service decides whether one is due (changes since the last good backup, at most every
N hours), so a check costs a file stat and one small query. The backup runs on its own
one-thread pool, never on the GUI thread. `BackupWarningLabel` reads the backup status
off the GUI thread too (a missing network share can take seconds to answer).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.settings.common import MessageLabel, bullet_list
from attendance_desktop.gui.workers import JobSignals, start_job
from attendance_desktop.services import backup_service
from attendance_desktop.services.backup_store import BackupStatus
from attendance_desktop.services.context import AppContext

log = logging.getLogger(__name__)

CHECK_EVERY_MS = 10 * 60 * 1000
FIRST_CHECK_MS = 5_000
QUIT_WAIT_MS = 120_000


class AutoBackup(QObject):
    finished = Signal(object)  # BackupResult, or the exception

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *,
                 check_every_ms: int = CHECK_EVERY_MS,
                 first_check_ms: int = FIRST_CHECK_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one backup at a time
        self.running = False
        self._outcome: object = None
        self.token = CancelToken()
        self.signals = JobSignals(self)
        self.signals.succeeded.connect(self._succeeded)
        self.signals.failed.connect(self._failed)
        self.signals.ended.connect(self._ended)
        self.timer = QTimer(self)
        self.timer.setInterval(check_every_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        QTimer.singleShot(first_check_ms, self.check)

    @Slot()
    def check(self) -> None:
        if self.running:
            return
        self.running = True
        start_job(self._job, self.signals, self.token, self.pool)

    def _job(self, token: CancelToken):  # type: ignore[no-untyped-def]
        return backup_service.auto_backup(self.ctx.paths, self.ctx.engine, token=token)

    def at_quit(self) -> None:
        """On quit: wait for a running backup, or make one if due, before the app ends."""
        self.timer.stop()
        if not self.running:
            self.check()
        self.pool.waitForDone(QUIT_WAIT_MS)

    @Slot()
    def _succeeded(self) -> None:
        result = self.signals.result
        if result is not None and result.path is not None:
            log.info("automatic backup: %s", result.path)
        self._outcome = result

    @Slot()
    def _failed(self) -> None:
        log.error("automatic backup failed: %s", self.signals.error)
        self._outcome = self.signals.error

    @Slot()
    def _ended(self) -> None:
        # Told only once the job has ended, so a check() made on `finished` starts a new one.
        self.running = False
        outcome, self._outcome = self._outcome, None
        self.finished.emit(outcome)


class BackupWarningLabel(MessageLabel):
    """A warning banner shown only when backups need attention."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("backupWarning")
        self.setAccessibleName("Backup warning")
        self.ctx = ctx
        self.busy = False
        self.signals = JobSignals(self)
        self.signals.succeeded.connect(self._show_status)
        self.signals.ended.connect(self._ended)

    @Slot()
    def refresh(self) -> None:
        if self.busy:
            return
        self.busy = True
        start_job(self._job, self.signals)

    def _job(self, _token: CancelToken):  # type: ignore[no-untyped-def]
        yield Progress(0, 1, "")
        return backup_service.status(self.ctx.paths, self.ctx.engine, self.ctx.now())

    @Slot()
    def _show_status(self) -> None:
        status: BackupStatus = self.signals.result
        if status.warnings:
            self.show_warning(bullet_list(list(status.warnings)))
        else:
            self.clear_message()

    @Slot()
    def _ended(self) -> None:
        self.busy = False
