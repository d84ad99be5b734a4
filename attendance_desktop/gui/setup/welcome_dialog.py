"""First start: open the demo school or set up a real one."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop import APP_NAME
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.gui.settings.common import MessageLabel
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.school import school_service

DEMO_PUPILS = 210
# three years of history, so the Reports page's trends and last-year lines have something
# to show (one year takes ~5 s to make, three ~15 s, off the GUI thread)
DEMO_YEARS = 3


class WelcomeDialog(QDialog):
    """Result: Accepted when the school is ready (demo created or wizard finished)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 demo_pupils: int = DEMO_PUPILS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.demo_pupils = demo_pupils
        self.choice = ""
        self.task: BackgroundTask | None = None
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        title = QLabel(f"<h1>Welcome to {APP_NAME}</h1>")
        title.setObjectName("welcomeHeading")
        intro = QLabel(
            "Registers, late arrivals, leave requests, trackers and letters for your school,"
            " kept on this computer.<br><br>There is no school here yet. You can look around"
            " a <b>demo school</b> with made-up pupils and a term of registers, or <b>set up"
            " your school</b> now: school details, attendance policy, term dates, session"
            " times, staff, classes and pupils (about 15 minutes with a pupil CSV from your"
            " MIS).")
        intro.setWordWrap(True)
        self.demo_button = QPushButton("Open the &demo school")
        self.demo_button.setObjectName("openDemo")
        self.demo_button.setToolTip("A made-up school to explore; nothing in it is real")
        self.setup_button = QPushButton("&Set up my school")
        self.setup_button.setObjectName("setUpSchool")
        self.setup_button.setToolTip("Step by step, from school details to the first register")
        self.setup_button.setDefault(True)
        for b in (self.demo_button, self.setup_button):
            b.setMinimumHeight(56)
            b.setStyleSheet("QPushButton { font-size: 12pt; padding: 8px 18px; }")
        self.demo_button.clicked.connect(self._open_demo)
        self.setup_button.clicked.connect(self._set_up)
        quit_button = QPushButton("&Quit")
        quit_button.clicked.connect(self.reject)
        self.message = MessageLabel("welcomeMessage")
        buttons = QHBoxLayout()
        buttons.addWidget(self.setup_button, 1)
        buttons.addWidget(self.demo_button, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 28, 36, 24)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(18)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        bottom = QHBoxLayout()
        where = QLabel(f"Data folder: {ctx.paths.data_dir}")
        where.setStyleSheet("QLabel { color: #666; }")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom.addWidget(where, 1)
        bottom.addWidget(quit_button)
        layout.addLayout(bottom)
        self.resize(760, 420)

    @Slot()
    def _set_up(self) -> None:
        self.choice = "setup"
        from attendance_desktop.gui.setup.wizard_dialog import SetupWizard  # first start only

        wizard = SetupWizard(self.ctx, self)
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        if wizard.exec() == QDialog.DialogCode.Accepted:
            self.accept()

    def _demo_job(self, token: CancelToken) -> Generator[Progress, None, Any]:
        from attendance_desktop.services.demo import demo_service

        yield Progress(0, 4, "Creating the demo school")
        signals = self.task.signals if self.task else None

        def report(p: Progress) -> None:
            token.check()
            if signals is not None:
                signals.progressed.emit(p.done, p.total, p.label)

        return demo_service.create_demo(self.ctx.engine, pupils=self.demo_pupils,
                                        years=DEMO_YEARS,
                                        today=self.ctx.today(), progress=report)

    @Slot()
    def _open_demo(self) -> None:
        self.choice = "demo"
        self.demo_button.setEnabled(False)
        self.setup_button.setEnabled(False)
        self.message.show_warning("Creating the demo school…")
        self.task = BackgroundTask(self, "Creating the demo school", self._demo_job)
        self.task.succeeded.connect(self._demo_done)
        self.task.failed.connect(self._demo_failed)
        self.task.cancelled.connect(self._demo_cancelled)
        self.task.start()

    @Slot(object)
    def _demo_done(self, _summary: object) -> None:
        self.accept()

    @Slot(object)
    def _demo_failed(self, exc: object) -> None:
        self._enable()
        self.message.clear_message()
        QMessageBox.warning(self, APP_NAME, f"The demo school could not be created: {exc}")

    @Slot()
    def _demo_cancelled(self) -> None:
        self._enable()
        self.message.show_warning("Cancelled: the demo school was not created.")

    def _enable(self) -> None:
        self.demo_button.setEnabled(True)
        self.setup_button.setEnabled(True)


def run_first_start(ctx: AppContext) -> bool:
    """Show the welcome screen when the database is new; False when the user quit."""
    if not school_service.needs_setup(ctx.engine):
        return True
    return WelcomeDialog(ctx).exec() == QDialog.DialogCode.Accepted
