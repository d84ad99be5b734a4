"""Settings > Backups: the backups in both folders, make / verify / restore one, and the
backup settings. Backup, verify and restore run off the GUI thread with a progress dialog.
Restoring and changing settings are the headteacher's (domain.roles.can_edit_settings).
Layout: ui/settings/backups.ui; the register check box is added below it in code.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFileDialog, QHeaderView, QMessageBox, QTableWidgetItem, QWidget

from attendance_desktop.domain.backups import BackupSettings
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui import theme
from attendance_desktop.gui.common import bullet_list
from attendance_desktop.gui.folding_splitter import fold
from attendance_desktop.gui.generated.settings.ui_backups import Ui_BackupsPage
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.gui.register_check import RegisterCheckBox
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.records import backup_service, backup_store, restore_service
from attendance_desktop.services.records.backup_store import BackupFile


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _verified(b: BackupFile) -> str:
    if b.verified is None:
        return "not checked yet"
    when = f" {b.verified_at:%d/%m %H:%M}" if b.verified_at else ""
    return f"OK{when}" if b.verified else f"FAILED{when}"


class BackupsPage(QWidget):
    saved = Signal()
    restored = Signal(str)  # what was restored, in a sentence

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.files: list[BackupFile] = []
        self.task: BackgroundTask | None = None
        head = ctx.actor.can_edit_settings
        self.ui = Ui_BackupsPage()
        self.ui.setupUi(self)
        ui = self.ui
        fold(ui.row)  # the settings beside the list, or under it when narrow (125-150%)
        self.message, self.summary, self.table = ui.backupsMessage, ui.backupsSummary, \
            ui.backupsTable
        self.backup_button, self.verify_button = ui.backup_button, ui.verify_button
        self.restore_button = ui.restore_button
        self.automatic, self.interval, self.warn = ui.automatic, ui.interval, ui.warn
        self.daily, self.weekly, self.monthly = ui.daily, ui.weekly, ui.monthly
        self.second, self.save_button = ui.second, ui.save_button
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        for b, slot in ((self.backup_button, self.make_backup),
                        (self.verify_button, self.verify), (self.restore_button, self.restore),
                        (ui.refresh_button, self.refresh), (ui.choose_button, self.choose_folder),
                        (ui.clear_button, self.second.clear), (self.save_button, self.save)):
            b.clicked.connect(slot)
        self.second.textChanged.connect(self._show_folder)
        choose, clear = ui.choose_button, ui.clear_button
        # tamper evidence: "Check the register" (built here: it takes the context)
        self.check_box = RegisterCheckBox(ctx)
        ui.layout.addWidget(self.check_box)
        for w in (self.automatic, self.interval, self.daily, self.weekly, self.monthly,
                  self.warn, choose, clear, self.save_button):
            w.setEnabled(head)
        if not head:
            self.restore_button.setToolTip("Only the headteacher can restore a backup")
        self._load_settings()
        self.refresh()

    # -- listing and settings ----------------------------------------------------------------
    def _load_settings(self) -> None:
        s = backup_store.load_settings(self.ctx.engine)
        self.automatic.setChecked(s.automatic)
        self.interval.setValue(s.interval_hours)
        self.daily.setValue(s.keep_daily)
        self.weekly.setValue(s.keep_weekly)
        self.monthly.setValue(s.keep_monthly)
        self.warn.setValue(s.warn_after_hours)
        self.second.setText(s.second_folder)

    @Slot()
    def refresh(self) -> None:
        settings = backup_store.load_settings(self.ctx.engine)
        self.files = backup_store.list_backups(self.ctx.paths, settings)
        self.table.setRowCount(len(self.files))
        for r, b in enumerate(self.files):
            where = "data folder" if b.where == backup_store.DATA_FOLDER else "second folder"
            for c, text in enumerate((f"{b.taken_at:%a %d %b %Y %H:%M}", b.kind_label, where,
                                      _size(b.size_bytes), _verified(b))):
                item = QTableWidgetItem(text)
                item.setToolTip(str(b.path) if c < 3 else "; ".join(b.problems) or text)
                if c == 4 and b.verified is False:
                    item.setForeground(theme.colour("error"))
                self.table.setItem(r, c, item)
        last = backup_store.last_good(self.ctx.paths)
        self.summary.setText(
            (f"Last good backup: {last.taken_at:%a %d %b %Y %H:%M}. " if last else
             "No good backup yet. ") + f"Data folder backups: {self.ctx.paths.backup_dir}")
        if not self.files and self.message.isHidden():  # never over a result
            self.message.show_warning("No backups yet: press Make a backup now.")
        self._selection_changed()

    def selected(self) -> BackupFile | None:
        rows = self.table.selectionModel().selectedRows()
        return self.files[rows[0].row()] if rows else None

    @Slot()
    def _selection_changed(self) -> None:
        chosen = self.selected()
        self.verify_button.setEnabled(chosen is not None and self.task is None)
        self.restore_button.setEnabled(chosen is not None and self.task is None
                                       and self.ctx.actor.can_edit_settings)
        self.backup_button.setEnabled(self.task is None)

    @Slot(str)
    def _show_folder(self, text: str) -> None:
        self.second.setToolTip(text)
        self.second.setCursorPosition(0)  # the drive or share name first

    @Slot()
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the second backup folder",
                                                  self.second.text() or str(Path.home()))
        if folder:
            self.second.setText(str(Path(folder)))

    def settings(self) -> BackupSettings:
        return BackupSettings(
            automatic=self.automatic.isChecked(), interval_hours=self.interval.value(),
            keep_daily=self.daily.value(), keep_weekly=self.weekly.value(),
            keep_monthly=self.monthly.value(), warn_after_hours=self.warn.value(),
            second_folder=self.second.text().strip(),
            **{k: getattr(backup_store.load_settings(self.ctx.engine), k)
               for k in ("keep_special", "special_min_days")})

    @Slot()
    def save(self) -> None:
        try:
            changed = backup_store.save_settings(self.ctx.engine, self.ctx.actor,
                                                 self.settings())
        except ServiceError as exc:
            self.message.show_error(f"Not saved: {exc}")
            return
        self.message.show_ok(f"Saved {len(changed)} change(s); each is recorded in the "
                             "change log." if changed else "No changes to save.")
        self.saved.emit()
        self.refresh()

    # -- long work -------------------------------------------------------------------------
    def _run(self, title: str, job, done_slot) -> None:  # type: ignore[no-untyped-def]
        self.task = BackgroundTask(self, title, job)
        self.task.succeeded.connect(done_slot)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)
        self.task.ended.connect(self._ended)
        self._selection_changed()
        self.task.start()

    @Slot()
    def make_backup(self) -> None:
        def job(token: CancelToken) -> Generator[Progress, None, object]:
            return backup_service.make_backup(self.ctx.paths, self.ctx.engine,
                                              clock=self.ctx.clock, token=token)

        self._run("Making a backup", job, self._backup_done)

    @Slot(object)
    def _backup_done(self, result: backup_service.BackupResult) -> None:
        if result.path is None:
            self.message.show_warning(result.note)
            return
        text = f"Backup made and verified: {result.path}"
        if result.second_copy is not None:
            text += f"\nCopied to the second folder: {result.second_copy}"
        if result.second_problem:
            self.message.show_warning(f"{text}\nNot copied to the second folder: "
                                      f"{result.second_problem}")
        else:
            self.message.show_ok(text)

    @Slot()
    def verify(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return

        def job(_token: CancelToken) -> Generator[Progress, None, object]:
            yield Progress(0, 1, f"Checking {chosen.path.name}…")
            return backup_service.verify_and_record(chosen.path, self.ctx.now())

        self._run("Checking a backup", job, self._verified)

    @Slot(object)
    def _verified(self, result: backup_service.VerifyResult) -> None:
        if result.ok:
            self.message.show_ok(f"{result.path.name} is a good backup.")
        else:
            self.message.show_error(f"{result.path.name} is damaged:\n"
                                    f"{bullet_list(list(result.problems))}")

    @Slot()
    def restore(self) -> None:
        chosen = self.selected()
        if chosen is None or not self.ctx.actor.can_edit_settings:
            return
        answer = QMessageBox.question(
            self, "Restore a backup",
            f"Put the register back as it was on {chosen.taken_at:%A %d %B %Y at %H:%M}?\n\n"
            "Everything entered since then will be replaced by this backup. A copy of the "
            "current database is checked and kept first in the backups folder (its name "
            "starts with before-restore), so this can be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return

        def job(token: CancelToken) -> Generator[Progress, None, object]:
            return restore_service.restore(self.ctx.paths, self.ctx.engine, chosen.path,
                                           self.ctx.actor, clock=self.ctx.clock, token=token)

        self._run("Restoring a backup", job, self._restored)

    @Slot(object)
    def _restored(self, result: restore_service.RestoreResult) -> None:
        text = (f"Restored {result.restored_from.name}. The database as it was is kept in "
                f"{result.kept_copy}.")
        self.message.show_ok(text)
        self.restored.emit(text)  # the Settings page has every page built again

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        reason = str(exc) if isinstance(exc, ServiceError) else \
            f"unexpected error ({type(exc).__name__}: {exc}); see the log file"
        self.message.show_error(f"Not done: {reason}")

    @Slot()
    def _cancelled(self) -> None:
        self.message.show_warning("Cancelled: nothing was changed.")

    @Slot()
    def _ended(self) -> None:
        # The finished task stays a child of this widget and goes with it: deleting it
        # just after its job ended (deleteLater) crashed Qt now and then (gui/progress.py).
        self.task = None
        self.refresh()
