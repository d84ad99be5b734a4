"""Staff PIN to leave the kiosk, with a number pad for the touch screen."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QBoxLayout, QDialog, QPushButton, QWidget

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import Actor
from attendance_desktop.gui import theme
from attendance_desktop.gui.generated.kiosk.ui_pin_dialog import Ui_ExitPinDialog
from attendance_desktop.gui.kiosk.kiosk_fit import is_compact
from attendance_desktop.gui.kiosk.kiosk_widgets import big_button
from attendance_desktop.gui.workers import Job, JobSignals, start_job
from attendance_desktop.services.errors import ServiceError

if TYPE_CHECKING:  # the database stack: imported once the kiosk is shown
    from attendance_desktop.services.kiosk.kiosk_exit import ExitGuard

log = logging.getLogger(__name__)


class ExitPinDialog(QDialog):
    """Asks for any office, teacher or head PIN; `actor` is set when one matches."""

    def __init__(self, guard: ExitGuard, clock: Callable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guard = guard
        self.clock = clock
        self.actor: Actor | None = None
        self._job: JobSignals | None = None
        self.ui = Ui_ExitPinDialog()
        self.ui.setupUi(self)
        theme.ensure_applied()  # the kiosk's large-type look is in resources/style.qss (#kiosk)
        # On a small screen (1366x768 at 125-150%) the pad goes beside the PIN, not under it:
        # with a title bar the dialog would not fit the height otherwise (kiosk_fit).
        screen = self.screen() if parent is None else parent.screen()
        compact = is_compact(screen.availableSize()) if parent is None \
            else parent.property("compact") == "true"  # the kiosk's own choice
        if compact:
            self.setProperty("compact", "true")
            self.layout().setContentsMargins(20, 14, 20, 14)
            self.ui.form.setSpacing(8)
            self.setMinimumWidth(min(screen.availableSize().width() - 40, 820))
        else:
            self.ui.body.setDirection(QBoxLayout.Direction.TopToBottom)
        self.pin = self.ui.pin
        self.message = self.ui.message
        self.cancel_button = self.ui.cancel_button
        self.unlock_button = self.ui.unlock_button
        # The number pad stays code: ten keys, rub out and clear, made like the kiosk's.
        for i, digit in enumerate("123456789"):
            self.ui.pad.addWidget(self._digit(digit), i // 3, i % 3)
        erase = self._key("⌫", "Rub out")
        erase.clicked.connect(self.pin.backspace)
        self.ui.pad.addWidget(erase, 3, 0)
        self.ui.pad.addWidget(self._digit("0"), 3, 1)
        clear = self._key("Clear", "Clear the PIN")
        clear.clicked.connect(self.pin.clear)
        self.ui.pad.addWidget(clear, 3, 2)
        for column in range(3):  # three even columns, each wide enough for "Clear"
            self.ui.pad.setColumnStretch(column, 1)
            self.ui.pad.setColumnMinimumWidth(column, 104)
        for b in (self.cancel_button, self.unlock_button):
            b.setCursor(Qt.CursorShape.PointingHandCursor)
        self.cancel_button.clicked.connect(self.reject)
        self.unlock_button.clicked.connect(self.try_pin)  # Enter: keyPressEvent, once
        self.pin.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.try_pin()
            return
        super().keyPressEvent(event)

    @staticmethod
    def _key(text: str, accessible: str) -> QPushButton:
        button = big_button(text, accessible)
        button.setProperty("key", "true")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def _digit(self, digit: str) -> QPushButton:
        button = self._key(digit, f"Digit {digit}")
        button.clicked.connect(lambda: self.pin.insert(digit))
        return button

    @property
    def checking(self) -> bool:
        return self._job is not None

    @Slot()
    def try_pin(self) -> None:
        """Check the PIN on a worker thread: argon2 against every staff account takes about
        a second, and the kiosk must keep answering meanwhile (Cancel still works)."""
        if self._job is not None:
            return
        pin = self.pin.text()
        self.pin.clear()
        if not pin:
            self.message.setText("Type a staff PIN first.")
            return
        self.message.setText("Checking…")
        self.unlock_button.setEnabled(False)
        # No parent: it outlives this dialog if the kiosk resets while the check runs.
        self._job = JobSignals()
        self._job.succeeded.connect(self._checked)
        self._job.failed.connect(self._check_failed)
        self._job.ended.connect(self._check_ended)
        start_job(_check_pin(self.guard, pin), self._job)

    @Slot()
    def _checked(self) -> None:
        if self._job is None or not self.isVisible():
            return  # cancelled meanwhile: a right PIN now must not close the kiosk
        actor = self._job.result
        if actor is None:
            wait = self.guard.wait_seconds()
            extra = f" Wait {wait} seconds before trying again." if wait else ""
            self.message.setText(f"That PIN was not accepted.{extra}")
            return
        self.actor = actor
        self.accept()

    @Slot()
    def _check_failed(self) -> None:
        error = self._job.error if self._job is not None else None
        from attendance_desktop.services.kiosk.kiosk_exit import ExitLocked

        if isinstance(error, ExitLocked):
            self.message.setText(str(error))
        elif isinstance(error, ServiceError):
            self.message.setText(f"The PIN could not be checked: {error}")
        else:
            log.error("kiosk PIN check failed", exc_info=error)
            self.message.setText("The PIN could not be checked. Please try again.")

    @Slot()
    def _check_ended(self) -> None:
        self._job = None
        self.unlock_button.setEnabled(True)
        self.pin.setFocus()


def _check_pin(guard: ExitGuard, pin: str) -> Job:
    def job(_token: CancelToken) -> Generator[Progress, None, Actor | None]:
        return guard.check(pin)
        yield  # a generator, as workers.start_job expects

    return job
