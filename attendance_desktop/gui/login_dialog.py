"""Staff sign-in: choose your name, type your PIN or password.

Also used by the idle lock: the same person signs back in, or someone else switches in.
Failed attempts slow down (the service decides); the button waits out the delay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from attendance_desktop import APP_NAME
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import auth_service
from attendance_desktop.services.auth_service import SignInRefused


class LoginDialog(QDialog):
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime] = dt.datetime.now,
                 *, locked_actor: Actor | None = None, school_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.clock = clock
        self.actor: Actor | None = None
        self.locked_actor = locked_actor
        self.setWindowTitle(f"{APP_NAME} — {'locked' if locked_actor else 'sign in'}")
        self.setObjectName("loginDialog")
        layout = QVBoxLayout(self)
        title = (f"<h2>Locked</h2><p>{APP_NAME} locked itself after a quiet spell. "
                 f"{locked_actor.name}, type your PIN to carry on, or choose another name"
                 " to switch user.</p>" if locked_actor else
                 f"<h2>{school_name or APP_NAME}</h2><p>Choose your name and type your PIN"
                 " or password.</p>")
        heading = QLabel(title)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.names = QListWidget()
        self.names.setAccessibleName("Staff name")
        self.names.setToolTip("Your name (type the first letters to jump to it)")
        self.names.setStyleSheet("QListWidget { font-size: 12pt; } "
                                 "QListWidget::item { padding: 5px; }")
        for staff in auth_service.list_staff(engine):
            item = QListWidgetItem(f"{staff.name}  ({staff.role.label})")
            item.setData(Qt.ItemDataRole.UserRole, staff.id)
            self.names.addItem(item)
            if locked_actor is not None and staff.id == locked_actor.staff_id:
                self.names.setCurrentItem(item)
        if self.names.currentRow() < 0 and self.names.count():
            self.names.setCurrentRow(0)
        self.names.itemActivated.connect(self._focus_pin)
        layout.addWidget(self.names, 1)
        row = QHBoxLayout()
        pin_label = QLabel("&PIN or password")
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName("PIN or password")
        self.pin.returnPressed.connect(self.try_sign_in)
        pin_label.setBuddy(self.pin)
        row.addWidget(pin_label)
        row.addWidget(self.pin, 1)
        self.sign_in_btn = QPushButton("&Sign in")
        self.sign_in_btn.setDefault(True)
        self.sign_in_btn.setToolTip("Sign in (Enter)")
        self.sign_in_btn.clicked.connect(self.try_sign_in)
        row.addWidget(self.sign_in_btn)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        self._wait_left = 0
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(1000)
        self._wait_timer.timeout.connect(self._tick)
        self.resize(460, 440)
        self.pin.setFocus()

    @Slot()
    def _focus_pin(self) -> None:
        self.pin.setFocus()

    def selected_staff_id(self) -> int | None:
        item = self.names.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    @Slot()
    def try_sign_in(self) -> None:
        staff_id = self.selected_staff_id()
        if staff_id is None:
            self.message.setText("Choose your name first.")
            return
        if self._wait_left > 0:
            return
        try:
            self.actor = auth_service.sign_in(self.engine, staff_id, self.pin.text(),
                                              now=self.clock())
        except SignInRefused as exc:
            self.pin.clear()
            self.message.setText(str(exc)[0].upper() + str(exc)[1:] + ".")
            if exc.wait_seconds:
                self._wait_left = exc.wait_seconds
                self.sign_in_btn.setEnabled(False)
                self._wait_timer.start()
            return
        self.accept()

    @Slot()
    def _tick(self) -> None:
        self._wait_left -= 1
        if self._wait_left <= 0:
            self._wait_timer.stop()
            self.sign_in_btn.setEnabled(True)
            self.message.setText("You can try again now.")
        else:
            self.sign_in_btn.setText(f"Wait {self._wait_left} s")
            return
        self.sign_in_btn.setText("&Sign in")

    def reject(self) -> None:
        # A locked window may not be dismissed without signing in.
        if self.locked_actor is None:
            super().reject()


def has_staff_accounts(engine: Engine) -> bool:
    return bool(auth_service.list_staff(engine))
