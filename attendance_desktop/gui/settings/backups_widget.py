"""Settings > Backups: the backups in both folders, make / verify / restore one, and the
backup settings. Backup, verify and restore run off the GUI thread with a progress dialog.
Restoring and changing settings are the headteacher's (domain.roles.can_edit_settings).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.backups import BackupSettings
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.gui.register_check import RegisterCheckBox
from attendance_desktop.gui.settings.common import MessageLabel, bullet_list, hint
from attendance_desktop.gui.tables import read_only_table
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.records import backup_service, backup_store, restore_service
from attendance_desktop.services.records.backup_store import BackupFile

COLUMNS = ["Taken", "Kind", "Where", "Size", "Verified"]


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _verified(b: BackupFile) -> str:
    if b.verified is None:
        return "not checked yet"
    when = f" {b.verified_at:%d/%m %H:%M}" if b.verified_at else ""
    return f"OK{when}" if b.verified else f"FAILED{when}"


def _spin(low: int, high: int, suffix: str, name: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setAccessibleName(name)
    return box


class BackupsPage(QWidget):
    saved = Signal()
    restored = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.files: list[BackupFile] = []
        self.task: BackgroundTask | None = None
        head = ctx.actor.can_edit_settings
        self.message = MessageLabel("backupsMessage")
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        layout.addLayout(row, 1)

        listing = QGroupBox("Backups in the data folder and the second folder")
        lv = QVBoxLayout(listing)
        self.table = read_only_table(COLUMNS, "Backups")
        self.table.setObjectName("backupsTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.summary = hint("")
        self.summary.setObjectName("backupsSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lv.addWidget(self.summary)
        lv.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.backup_button = QPushButton("&Make a backup now")
        self.verify_button = QPushButton("&Verify")
        self.verify_button.setToolTip("Check the chosen backup again (integrity, links, "
                                      "schema)")
        self.restore_button = QPushButton("&Restore…")
        self.restore_button.setToolTip("Put the register back as it was in the chosen "
                                       "backup (headteacher only)")
        refresh = QPushButton("Re&fresh")
        for b, slot in ((self.backup_button, self.make_backup),
                        (self.verify_button, self.verify), (self.restore_button, self.restore),
                        (refresh, self.refresh)):
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        lv.addLayout(buttons)
        row.addWidget(listing, 3)

        form_box = QGroupBox("Backup settings")
        form = QFormLayout(form_box)
        self.automatic = QCheckBox("Back up automatically after changes")
        form.addRow(self.automatic)
        self.interval = _spin(1, 168, " hours", "At most every")
        form.addRow("At &most every", self.interval)
        self.daily = _spin(0, 366, " days", "Keep daily")
        self.weekly = _spin(0, 520, " weeks", "Keep weekly")
        self.monthly = _spin(0, 600, " months", "Keep monthly")
        form.addRow("Keep one a &day for", self.daily)
        form.addRow("Keep one a &week for", self.weekly)
        form.addRow("Keep one a m&onth for", self.monthly)
        self.warn = _spin(1, 24 * 31, " hours", "Warn when older than")
        form.addRow("Warn on Today &after", self.warn)
        self.second = QLineEdit()
        self.second.setReadOnly(True)
        self.second.setPlaceholderText("not chosen: a USB stick or network share")
        self.second.setAccessibleName("Second backup folder")
        choose = QPushButton("C&hoose…")
        choose.clicked.connect(self.choose_folder)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.second.clear)
        self.second.textChanged.connect(self._show_folder)
        form.addRow("Second folder", self.second)
        folder_row = QHBoxLayout()
        folder_row.addWidget(choose)
        folder_row.addWidget(clear)
        folder_row.addStretch(1)
        form.addRow("", folder_row)
        form.addRow(hint("Backups hold pupils' personal data. Keep the second folder on an "
                         "encrypted drive (BitLocker To Go) or a share only staff can open; "
                         "the app warns about an unencrypted USB stick where Windows can "
                         "tell."))
        self.save_button = QPushButton("&Save backup settings")
        self.save_button.clicked.connect(self.save)
        form.addRow(self.save_button)
        row.addWidget(form_box, 2)
        self.check_box = RegisterCheckBox(ctx)  # tamper evidence: "Check the register"
        layout.addWidget(self.check_box)
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
                    item.setForeground(Qt.GlobalColor.red)
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
        self.restored.emit()
        window = self.window()
        if hasattr(window, "rebuild_for_user"):  # every page reads the restored register
            QMessageBox.information(self, "Backup restored", text)
            QTimer.singleShot(0, window.rebuild_for_user)

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
        task, self.task = self.task, None
        if task is not None:
            task.deleteLater()
        self.refresh()
