"""First start on the shared folder: offer to move a school left in an old per-user folder.

Shown before the database is opened (a move replaces only a new, empty database), so the
work is Qt-free in config.locations; this dialog just explains and asks
(ui/setup/legacy_data_dialog.ui).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from attendance_desktop import APP_NAME
from attendance_desktop.config import locations
from attendance_desktop.config.locations import LegacyData
from attendance_desktop.config.paths import AppPaths
from attendance_desktop.gui.generated.setup.ui_legacy_data_dialog import Ui_LegacyDataDialog
from attendance_desktop.services.errors import ServiceError

TITLE = "School data from an earlier version"


class LegacyDataDialog(QDialog):
    """choice afterwards: "moved", "never" or "later" (also when closed)."""

    def __init__(self, found: LegacyData, data_dir: Path, in_use: tuple[int, int] | None,
                 parent: QWidget | None = None,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        super().__init__(parent)
        self.found = found
        self.data_dir = data_dir
        self.clock = clock
        self.choice = "later"
        can_move = in_use in (None, (0, 0)) and found.problem is None

        what = (f"{found.pupils} pupils and {found.staff} staff" if found.problem is None
                else "a file that could not be read")
        text = (
            f"<h2>{escape(TITLE)}</h2>"
            f"<p>{escape(APP_NAME)} now keeps <b>one school for every staff account</b> on "
            f"this computer, in<br><tt>{escape(str(data_dir))}</tt></p>"
            f"<p>An earlier version kept data for this account only, in<br>"
            f"<tt>{escape(str(found.folder))}</tt><br>"
            f"{escape(what)}, {found.size_bytes / 1_000_000:.1f} MB, last changed "
            f"{found.modified:%d %B %Y at %H:%M}.</p>")
        if found.problem is not None:
            text += (f"<p>It cannot be moved: {escape(found.problem)}. Ask IT support to "
                     f"look at it.</p>")
        elif not can_move and in_use is not None:
            text += (f"<p>The shared folder already holds a school ({in_use[0]} pupils, "
                     f"{in_use[1]} staff), so this data cannot be moved into it. Ask IT "
                     f"support which one is the school's register.</p>")
        else:
            text += ("<p><b>Move it here</b> copies it into the shared folder and checks the "
                     "copy. The old folder is left as it was, with a note in it.</p>")
        text += ("<p><b>Not now</b> asks again next time. <b>Never ask</b> leaves the old "
                 "data where it is, unused.</p>")
        self.ui = Ui_LegacyDataDialog()
        self.ui.setupUi(self)
        self.setWindowTitle(TITLE)
        self.ui.legacyText.setText(text)
        self.move_button, self.later_button = self.ui.moveData, self.ui.notNow
        self.never_button = self.ui.neverAsk
        self.move_button.setEnabled(can_move)
        self.move_button.setDefault(can_move)
        self.move_button.clicked.connect(self._move)
        self.later_button.clicked.connect(self.reject)
        self.never_button.clicked.connect(self._never)

    @Slot()
    def _move(self) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = locations.move_legacy_data(self.found.folder, self.data_dir, self.clock())
        except ServiceError as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, TITLE, str(exc))
            return
        QApplication.restoreOverrideCursor()
        self.choice = "moved"
        QMessageBox.information(self, TITLE, str(result))
        self.accept()

    @Slot()
    def _never(self) -> None:
        try:
            locations.dismiss_legacy_data(self.found.folder, self.data_dir, self.clock())
        except ServiceError as exc:
            QMessageBox.warning(self, TITLE, str(exc))
            return
        self.choice = "never"
        self.accept()


def offer_legacy_data(paths: AppPaths, parent: QWidget | None = None, *,
                      legacy_dir: Path | None = None) -> str | None:
    """Ask about old per-user data, if any; call BEFORE open_database(paths).

    Returns the choice ("moved", "later", "never"), or None when there was nothing to ask.
    Needs a QApplication. LEGACY_DIR is for tests (default: this account's old folder).
    """
    if paths.sqlite_file is None or paths.sqlite_file != paths.data_dir / locations.DB_FILE:
        return None  # PostgreSQL or a file named by --db-url: IT chose; nothing to offer
    found = locations.find_legacy_data(paths.data_dir, legacy_dir=legacy_dir)
    if found is None or not found.worth_offering:
        return None
    try:
        in_use = locations.database_counts(paths.sqlite_file)
    except ServiceError:
        return None  # the current database is unreadable: opening it reports that clearly
    dialog = LegacyDataDialog(found, paths.data_dir, in_use, parent)
    dialog.exec()
    return dialog.choice
