"""Staff sign-in: choose your name, type your PIN or password.

Also used by the idle lock: the same person signs back in, or someone else switches in.
Failed attempts slow down (the service decides); the button waits out the delay.

A database holding pupils with no account anyone can sign in with (e.g. the demo accounts
were disabled when real pupils were imported) shows the "create the headteacher's account"
form instead: nothing opens without an account. A PIN that no longer meets the school's
rules (shorter than the role's minimum, or easy to guess) must be changed right after
signing in with it; cancelling that signs nobody in.

Layouts: ui/common/login_dialog.ui, first_head_form.ui and change_pin_dialog.ui.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QDialog, QListWidgetItem, QVBoxLayout, QWidget

from attendance_desktop import APP_NAME
from attendance_desktop.domain.roles import Actor
from attendance_desktop.gui.generated.common.ui_change_pin_dialog import Ui_ChangePinDialog
from attendance_desktop.gui.generated.common.ui_first_head_form import Ui_FirstHeadForm
from attendance_desktop.gui.generated.common.ui_login_dialog import Ui_LoginDialog
from attendance_desktop.services.errors import ServiceError

if TYPE_CHECKING:  # the database stack is imported on first use: the dialog may be shown
    from sqlalchemy.engine import Engine  # before it is (see attendance_desktop.quick_start)

    from attendance_desktop.db.quick_read import StaffName
    from attendance_desktop.services.school import auth_service


class LoginDialog(QDialog):
    """engine: the Engine, or a function that waits for it and returns it (the quick start
    opens the database behind the dialog; the PIN check waits for it). staff: the names
    to offer when already read (quick_read); then the head's-account form is not asked.
    """

    def __init__(self, engine: Engine | Callable[[], Engine],
                 clock: Callable[[], dt.datetime] = dt.datetime.now,
                 *, locked_actor: Actor | None = None, school_name: str = "",
                 parent: QWidget | None = None,
                 staff: Sequence[StaffName] | None = None) -> None:
        super().__init__(parent)
        self._engine: Engine | None = None if callable(engine) else engine
        self._engine_source = engine
        self.clock = clock
        self.actor: Actor | None = None
        self.locked_actor = locked_actor
        self.setWindowTitle(f"{APP_NAME} — {'locked' if locked_actor else 'sign in'}")
        self.setObjectName("loginDialog")
        self.head_form: FirstHeadForm | None = None
        if locked_actor is None and staff is None and _needs_head_account(self.engine):
            self.setWindowTitle(f"{APP_NAME} — create the headteacher's account")
            self.head_form = FirstHeadForm(self.engine, school_name)
            self.head_form.created.connect(self._head_created)
            QVBoxLayout(self).addWidget(self.head_form)  # the form is ui/common too
            return
        self.ui = Ui_LoginDialog()
        self.ui.setupUi(self)
        ui = self.ui
        self.names, self.pin = ui.staffNames, ui.pin
        self.sign_in_btn, self.message = ui.signIn, ui.loginMessage
        ui.heading.setText(
            f"<h2>Locked</h2><p>{APP_NAME} locked itself after a quiet spell. "
            f"{locked_actor.name}, type your PIN to carry on, or choose another name"
            " to switch user.</p>" if locked_actor else
            f"<h2>{school_name or APP_NAME}</h2><p>Choose your name and type your PIN"
            " or password.</p>")
        for person in _list_staff(self.engine) if staff is None else staff:
            item = QListWidgetItem(f"{person.name}  ({person.role.label})")
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            self.names.addItem(item)
            if locked_actor is not None and person.id == locked_actor.staff_id:
                self.names.setCurrentItem(item)
        if self.names.currentRow() < 0 and self.names.count():
            self.names.setCurrentRow(0)
        self.names.itemActivated.connect(self._focus_pin)
        self.pin.returnPressed.connect(self.try_sign_in)
        self.sign_in_btn.clicked.connect(self.try_sign_in)
        self._wait_left = 0
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(1000)
        self._wait_timer.timeout.connect(self._tick)
        self.resize(460, 440)
        self.pin.setFocus()

    @property
    def engine(self) -> Engine:
        """The database; waits (busy cursor) if it is still being opened behind the dialog.
        Normally it is ready long before a PIN is typed."""
        if self._engine is None:
            source = self._engine_source
            assert callable(source)
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self._engine = source()
            finally:
                QApplication.restoreOverrideCursor()
        return self._engine

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
            engine = self.engine
        except Exception:  # the database could not be opened: the start
            self.done(QDialog.DialogCode.Rejected)  # reports why once the dialog is closed
            return
        from attendance_desktop.services.school import auth_service
        from attendance_desktop.services.school.auth_service import SignInRefused

        try:
            self.actor = auth_service.sign_in(engine, staff_id, self.pin.text(),
                                              now=self.clock())
        except SignInRefused as exc:
            self.pin.clear()
            self.message.setText(str(exc)[0].upper() + str(exc)[1:] + ".")
            if exc.wait_seconds:
                self._wait_left = exc.wait_seconds
                self.sign_in_btn.setEnabled(False)
                self._wait_timer.start()
            return
        why = auth_service.pin_needs_change(self.engine, self.actor, self.pin.text())
        if why is not None:
            change = ChangePinDialog(self.engine, self.actor, self.pin.text(), why, self)
            if change.exec() != QDialog.DialogCode.Accepted:
                self.actor = None
                self.pin.clear()
                self.message.setText("Your PIN must be changed before you can carry on.")
                return
        self.accept()

    @Slot()
    def _head_created(self) -> None:
        assert self.head_form is not None
        self.actor = self.head_form.actor
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
    """Whether sign-in is needed: accounts exist, or pupils do and the head's account must
    be created first (the dialog then shows that form)."""
    from attendance_desktop.services.school import auth_service

    return bool(auth_service.list_staff(engine)) or auth_service.needs_head_account(engine)


def _needs_head_account(engine: Engine) -> bool:
    from attendance_desktop.services.school import auth_service

    return auth_service.needs_head_account(engine)


def _list_staff(engine: Engine) -> Sequence[StaffName | auth_service.StaffInfo]:
    from attendance_desktop.services.school import auth_service

    return auth_service.list_staff(engine)


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + "."


class FirstHeadForm(QWidget):
    """Name and PIN (twice) for the first headteacher account."""

    created = Signal()

    def __init__(self, engine: Engine, school_name: str = "") -> None:
        super().__init__()
        from attendance_desktop.services.school import auth_service

        self.engine = engine
        self.actor: Actor | None = None
        senior, _ = auth_service.pin_rules(engine)
        self.ui = Ui_FirstHeadForm()
        self.ui.setupUi(self)
        ui = self.ui
        ui.intro.setText(
            f"<h2>{school_name or APP_NAME}</h2><p>This school's records hold pupils but no"
            " staff account can sign in (the demo accounts stop working once real pupils"
            " are imported). Create the headteacher's account to carry on; the headteacher"
            " then adds the other staff in Settings → Staff accounts.</p>"
            f"<p>The PIN needs at least {senior} digits and must not be easy to guess"
            " (no repeated or running digits).</p>")
        self.name, self.pin, self.again = ui.headName, ui.headPin, ui.headPinAgain
        self.message, self.create_btn = ui.headMessage, ui.createHead
        self.create_btn.clicked.connect(self.create)
        self.name.setFocus()

    @Slot()
    def create(self) -> None:
        if self.pin.text() != self.again.text():
            self.message.setText("The two PINs are not the same.")
            return
        from attendance_desktop.services.school import auth_service

        try:
            self.actor = auth_service.create_first_head(self.engine, self.name.text(),
                                                        self.pin.text())
        except ServiceError as exc:
            self.message.setText(_sentence(exc))
            return
        self.created.emit()


class ChangePinDialog(QDialog):
    """Replace a PIN that no longer meets the rules (asked right after signing in)."""

    def __init__(self, engine: Engine, actor: Actor, old_pin: str, why: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.actor, self.old_pin = engine, actor, old_pin
        self.setObjectName("changePinDialog")
        self.ui = Ui_ChangePinDialog()
        self.ui.setupUi(self)
        ui = self.ui
        ui.intro.setText(f"<p>{actor.name}, your PIN no longer meets the school's rules: "
                         f"{why}.</p><p>Choose a new one to carry on.</p>")
        self.pin, self.again, self.message = ui.newPin, ui.newPinAgain, ui.changePinMessage
        ui.buttons.accepted.connect(self.save)
        ui.buttons.rejected.connect(self.reject)

    @Slot()
    def save(self) -> None:
        if self.pin.text() != self.again.text():
            self.message.setText("The two PINs are not the same.")
            return
        from attendance_desktop.services.school import auth_service

        try:
            auth_service.change_own_pin(self.engine, self.actor, self.old_pin, self.pin.text())
        except ServiceError as exc:
            self.message.setText(_sentence(exc))
            return
        self.accept()
