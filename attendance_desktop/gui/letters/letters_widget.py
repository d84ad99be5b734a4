"""The Letters area: make letters, edit their wording, and the log of letters sent."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from attendance_desktop.gui.letters.letter_log_widget import LetterLogWidget
from attendance_desktop.gui.letters.send_widget import SendLettersWidget
from attendance_desktop.gui.letters.template_editor_widget import TemplateEditorWidget
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.services.context import AppContext


class LettersWidget(QWidget):
    def __init__(self, ctx: AppContext, navigator: Navigator | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Letters")
        self.send = SendLettersWidget(ctx)
        self.templates = TemplateEditorWidget(ctx)
        self.log = LetterLogWidget(ctx, read_now=False)  # read when its tab is shown
        self.tabs.addTab(self.send, "Make letters")
        self.tabs.addTab(self.templates, "Templates")
        self.tabs.addTab(self.log, "Letters sent")
        # email waiting, sent or failed (issue 17), from the mail area
        self.outbox = self.navigator.panel("mail.outbox", navigator=self.navigator)
        self.tabs.addTab(self.outbox, "Outbox")
        self.tabs.setTabToolTip(0, "Choose a letter and pupils, preview, make and print")
        self.tabs.setTabToolTip(1, "Change the wording of the letters")
        self.tabs.setTabToolTip(2, "Every letter sent, with the PDF kept")
        self.tabs.currentChanged.connect(self._tab_changed)
        layout.addWidget(self.tabs)

    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        # other tabs may have changed templates or sent letters
        if self.tabs.widget(index) is self.log:
            self.log.refresh()
        elif self.tabs.widget(index) is self.send:
            self.send._load_templates()
