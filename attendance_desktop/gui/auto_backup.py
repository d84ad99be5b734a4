"""Automatic backups while the main window is open, and the Today board's backup warning.

`AutoBackup` checks shortly after start, then every few minutes, and once more on quit;
the service decides whether one is due (changes since the last good backup, at most every
N hours), so a check costs a file stat and one small query. The backup runs on its own
one-thread pool (gui.periodic), never on the GUI thread. `BackupWarningLabel` reads the
backup status off the GUI thread too (a missing network share can take seconds to answer).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Slot

from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.gui.common import bullet_list
from attendance_desktop.gui.periodic import PeriodicJob, StatusLabel
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.records import backup_service
from attendance_desktop.services.records.backup_store import BackupStatus

log = logging.getLogger(__name__)

CHECK_EVERY_MS = 10 * 60 * 1000
FIRST_CHECK_MS = 5_000
QUIT_WAIT_MS = 120_000


class AutoBackup(PeriodicJob):
    """`finished` carries the BackupResult (its path is None when none was due), or the
    exception."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *,
                 check_every_ms: int = CHECK_EVERY_MS,
                 first_check_ms: int = FIRST_CHECK_MS) -> None:
        self.ctx = ctx
        super().__init__(parent, self.job, every_ms=check_every_ms, first_ms=first_check_ms)
        self.finished.connect(self._log)

    def job(self, token: CancelToken):  # type: ignore[no-untyped-def]
        return backup_service.auto_backup(self.ctx.paths, self.ctx.engine, token=token)

    def check(self) -> None:
        self.run_now()

    def at_quit(self) -> None:
        """On quit: wait for a running backup, or make one if due, before the app ends."""
        self.timer.stop()
        if not self.running:
            self.run_now()
        self.stop(QUIT_WAIT_MS, cancel=False)

    @Slot(object)
    def _log(self, outcome: object) -> None:
        path = getattr(outcome, "path", None)
        if path is not None:
            log.info("automatic backup: %s", path)


class BackupWarningLabel(StatusLabel):
    """A warning banner shown only when backups need attention."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("backupWarning", "Backup warning", read=self.read, show=self.show_result)
        self.ctx = ctx

    def read(self) -> BackupStatus:
        return backup_service.status(self.ctx.paths, self.ctx.engine, self.ctx.now())

    def show_result(self, value: object) -> None:
        status: BackupStatus = value  # type: ignore[assignment]
        if status.warnings:
            self.show_warning(bullet_list(list(status.warnings)))
        else:
            self.clear_message()
