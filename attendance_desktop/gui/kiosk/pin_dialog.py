"""Staff PIN to leave the kiosk, with a number pad for the touch screen."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import Actor
from attendance_desktop.gui.kiosk.kiosk_widgets import KIOSK_STYLE, big_button
from attendance_desktop.gui.workers import Job, JobSignals, start_job
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.kiosk.kiosk_service import ExitGuard, ExitLocked

log = logging.getLogger(__name__)


class ExitPinDialog(QDialog):
    """Asks for any office, teacher or head PIN; `actor` is set when one matches."""

    def __init__(self, guard: ExitGuard, clock: Callable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guard = guard
        self.clock = clock
        self.actor: Actor | None = None
        self._job: JobSignals | None = None
        self.setObjectName("kiosk")
        self.setStyleSheet(KIOSK_STYLE)
        self.setWindowTitle("Staff only")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(14)
        heading = QLabel("Staff only")
        heading.setProperty("role", "heading")
        hint = QLabel("Enter a staff PIN to close the kiosk.")
        hint.setProperty("role", "hint")
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName("Staff PIN")
        self.pin.setPlaceholderText("PIN")
        self.message = QLabel(" ")
        self.message.setProperty("role", "hint")
        self.message.setStyleSheet("color: #a40e26;")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("PIN message")
        pad = QGridLayout()
        pad.setSpacing(8)
        for i, digit in enumerate("123456789"):
            pad.addWidget(self._digit(digit), i // 3, i % 3)
        erase = big_button("⌫", "Rub out")
        erase.setProperty("key", "true")
        erase.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        erase.clicked.connect(self.pin.backspace)
        pad.addWidget(erase, 3, 0)
        pad.addWidget(self._digit("0"), 3, 1)
        clear = big_button("Clear", "Clear the PIN")
        clear.setProperty("key", "true")
        clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        clear.clicked.connect(self.pin.clear)
        pad.addWidget(clear, 3, 2)
        buttons = QHBoxLayout()
        self.cancel_button = big_button("Cancel", "Cancel: stay in the kiosk")
        self.unlock_button = big_button("Close kiosk", "Close the kiosk", primary=True)
        self.cancel_button.clicked.connect(self.reject)
        self.unlock_button.clicked.connect(self.try_pin)
        for b in (self.cancel_button, self.unlock_button):
            b.setAutoDefault(False)  # Enter is handled once, in keyPressEvent
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.unlock_button)
        for w in (heading, hint, self.pin, self.message):
            layout.addWidget(w)
        layout.addLayout(pad)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        self.pin.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.try_pin()
            return
        super().keyPressEvent(event)

    def _digit(self, digit: str) -> QPushButton:
        button = big_button(digit, f"Digit {digit}")
        button.setProperty("key", "true")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
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
