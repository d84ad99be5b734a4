"""Help → About: the version and where everything is, with Copy for support
(ui/common/about_dialog.ui; the rows of facts are added here)."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, Slot, qVersion
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QDialog, QLabel, QWidget

import attendance_desktop.gui.generated.resources_rc  # noqa: F401  (registers :/icon.svg)
from attendance_desktop import APP_NAME, __version__
from attendance_desktop.config import logs
from attendance_desktop.config.paths import AppPaths
from attendance_desktop.gui.generated.common.ui_about_dialog import Ui_AboutDialog


def support_facts(paths: AppPaths) -> list[tuple[str, str]]:
    """What support asks first; the database URL never shows its password."""
    log_file = logs.active_log_file()
    return [
        ("Version", __version__),
        ("Data folder", str(paths.data_dir)),
        ("Database", logs.describe_database(paths.db_url)),
        ("Log file", str(log_file) if log_file else "none (the log could not be written)"),
        ("Python", platform.python_version()),
        ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
        ("System", platform.platform()),
    ]


def support_text(paths: AppPaths) -> str:
    return "\n".join([APP_NAME] + [f"{k}: {v}" for k, v in support_facts(paths)])


class AboutDialog(QDialog):
    def __init__(self, paths: AppPaths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.paths = paths
        self.ui = Ui_AboutDialog()
        self.ui.setupUi(self)
        ui = self.ui
        ui.icon.setPixmap(QIcon(":/icon.svg").pixmap(72, 72))
        ui.heading.setText(f"<b style='font-size:15pt'>{APP_NAME}</b><br>"
                           "Attendance registers, kiosk, leave, trackers, letters and reports "
                           "for a primary school.")
        self.values: dict[str, QLabel] = {}
        for name, value in support_facts(paths):
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setObjectName(f"about{name.replace(' ', '')}")
            label.setMinimumWidth(560)  # the dialog's size is fixed by its layout
            ui.facts.addRow(f"{name}:", label)
            self.values[name] = label
        self.copy_button = ui.copyButton
        self.copy_button.clicked.connect(self.copy)
        ui.buttons.rejected.connect(self.reject)

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(support_text(self.paths))
        self.copy_button.setText("Copied")
