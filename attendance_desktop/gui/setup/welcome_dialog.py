"""First start: open the demo school or set up a real one (ui/setup/welcome_dialog.ui)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from attendance_desktop import APP_NAME
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.generated.setup.ui_welcome_dialog import Ui_WelcomeDialog
from attendance_desktop.gui.progress import BackgroundTask
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
        self.ui = Ui_WelcomeDialog()
        self.ui.setupUi(self)
        ui = self.ui
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        ui.welcomeHeading.setText(f"<h1>Welcome to {APP_NAME}</h1>")
        ui.dataFolder.setText(f"Data folder: {ctx.paths.data_dir}")
        self.demo_button, self.setup_button = ui.openDemo, ui.setUpSchool
        self.message = ui.welcomeMessage
        self.demo_button.clicked.connect(self._open_demo)
        self.setup_button.clicked.connect(self._set_up)
        ui.quitButton.clicked.connect(self.reject)
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
