"""F1: the short user guide, compiled into the app so it works offline and when frozen.
Layout: ui/common/help_window.ui."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtWidgets import QWidget

import attendance_desktop.gui.generated.resources_rc  # noqa: F401  (registers :/help)
from attendance_desktop import APP_NAME
from attendance_desktop.gui.generated.common.ui_help_window import Ui_HelpWindow

GUIDE_URL = QUrl("qrc:/help/guide.html")


class HelpWindow(QWidget):
    """A separate window beside the main one (not modal: read it while working)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setObjectName("helpWindow")
        self.setWindowTitle(f"{APP_NAME}: user guide")
        self.ui = Ui_HelpWindow()
        self.ui.setupUi(self)
        self.back, self.contents, self.browser = self.ui.back, self.ui.contents, self.ui.guide
        self.browser.setSource(GUIDE_URL)
        self.back.setEnabled(False)
        self.browser.backwardAvailable.connect(self.back.setEnabled)
        self.back.clicked.connect(self.browser.backward)
        self.contents.clicked.connect(self.home)
        self.resize(780, 700)

    @Slot()
    def home(self) -> None:
        self.browser.setSource(GUIDE_URL)
        self.browser.scrollToAnchor("")
        self.browser.verticalScrollBar().setValue(0)
