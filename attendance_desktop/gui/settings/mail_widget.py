"""Settings > Email: the school's mail server, the password (credential store) and a test."""

from __future__ import annotations

import functools

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.gui import theme
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.gui.settings.common import MessageLabel, bullet_list, hint
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.mail import credentials, sender
from attendance_desktop.services.mail import settings as mail_settings
from attendance_desktop.services.mail.settings import MailConfig


def _test_job(engine, to: str, password: str | None, token: CancelToken):  # type: ignore[no-untyped-def]
    yield from ()  # no steps: one SMTP conversation
    return sender.send_test(engine, to, password)


class MailSettingsPage(QWidget):
    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.task: BackgroundTask | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(hint("Letters and first-day absence messages are sent through the"
                              " school's own email account. Ask IT or your email provider for"
                              " these details (Microsoft 365: smtp.office365.com, port 587,"
                              " STARTTLS)."))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.host = self._line("Mail server", "The outgoing (SMTP) server's name")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setAccessibleName("Port")
        self.port.setToolTip("587 for STARTTLS, 465 for implicit TLS")
        self.security = QComboBox()
        self.security.setAccessibleName("Connection security")
        for key, label in mail_settings.SECURITY_LABELS.items():
            self.security.addItem(label, key)
        self.security.setToolTip("How the connection is encrypted. None sends everything"
                                 " readable: only for a mail relay on this computer")
        self.security.currentIndexChanged.connect(self._security_changed)
        self.account = self._line("Account name", "The login name, usually the full email"
                                  " address. Leave empty if the server needs no login")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setToolTip("Kept in this computer's credential store (Windows"
                                 " Credential Manager), never in the database")
        self.from_address = self._line("From address", "The address families see and reply to")
        self.from_name = self._line("From name", "e.g. Hillside Primary School office")
        self.reply_to = self._line("Reply-to", "Optional: where replies go if not the From"
                                   " address (e.g. the attendance lead)")
        form.addRow("Mail &server *", self.host)
        form.addRow("&Port", self.port)
        form.addRow("Se&curity", self.security)
        form.addRow("&Account name", self.account)
        form.addRow("Pass&word", self.password)
        form.addRow("&From address *", self.from_address)
        form.addRow("From &name", self.from_name)
        form.addRow("&Reply-to", self.reply_to)
        box = QWidget()  # not stretched across a wide screen
        box.setLayout(form)
        box.setMaximumWidth(760)
        layout.addWidget(box)
        self.store = QLabel()
        self.store.setObjectName("mailPasswordStore")
        self.store.setWordWrap(True)
        layout.addWidget(self.store)
        self.message = MessageLabel("mailMessage")
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.save_button = QPushButton("&Save email settings")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        row.addStretch(1)
        layout.addLayout(row)
        test_row = QHBoxLayout()
        self.test_to = self._line("Test recipient", "Where to send the test message")
        self.test_button = QPushButton("Send &test message")
        self.test_button.setToolTip("Send a short message now with the saved settings, to"
                                    " check they work (runs in the background)")
        self.test_button.clicked.connect(self.send_test)
        test_row.addWidget(QLabel("Send a test to:"))
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)
        layout.addLayout(test_row)
        self.test_result = MessageLabel("mailTestResult")
        layout.addWidget(self.test_result)
        layout.addStretch(1)
        for w in (self.host, self.account, self.from_address, self.reply_to):
            w.textChanged.connect(self._show_warnings)
        self.port.valueChanged.connect(self._show_warnings)
        if not ctx.actor.can_edit_settings:
            for w in (self.host, self.port, self.security, self.account, self.password,
                      self.from_address, self.from_name, self.reply_to, self.save_button):
                w.setEnabled(False)
        self.load()

    def _line(self, name: str, tip: str) -> QLineEdit:
        e = QLineEdit()
        e.setAccessibleName(name)
        e.setToolTip(tip)
        return e

    def load(self) -> None:
        cfg = mail_settings.get_settings(self.ctx.engine)
        self.host.setText(cfg.host)
        self.port.setValue(cfg.port)
        self.security.setCurrentIndex(max(0, self.security.findData(cfg.security)))
        self.account.setText(cfg.account)
        self.from_address.setText(cfg.from_address)
        self.from_name.setText(cfg.from_name)
        self.reply_to.setText(cfg.reply_to)
        if not self.test_to.text():
            self.test_to.setText(cfg.reply_to or cfg.from_address)
        self._show_store(cfg)
        self._show_warnings()

    def config(self) -> MailConfig:
        return MailConfig(self.host.text().strip(), self.port.value(),
                          str(self.security.currentData()), self.account.text().strip(),
                          self.from_address.text().strip(), self.from_name.text().strip(),
                          self.reply_to.text().strip())

    def _show_store(self, cfg: MailConfig) -> None:
        status = credentials.store_status()
        has = cfg.account and credentials.get_password(cfg) is not None
        state = ("A password is set for this account." if has else
                 "No password is set for this account yet." if cfg.account else "")
        colour = theme.hex_colour("ok" if status.usable else "error")
        self.password.setPlaceholderText("set: type a new one to change it" if has else "")
        self.store.setText(f"<span style='color:{colour}'>{status.message}</span> {state}")

    @Slot()
    def _security_changed(self) -> None:
        default = mail_settings.DEFAULT_PORTS.get(str(self.security.currentData()))
        if default and self.port.value() in mail_settings.DEFAULT_PORTS.values():
            self.port.setValue(default)
        self._show_warnings()

    @Slot()
    def _show_warnings(self) -> None:
        cfg = self.config()
        # As they type: what is wrong or risky, not yet what is still empty.
        found = [p for p in mail_settings.problems(cfg) if not p.startswith("Enter")]
        found += mail_settings.warnings(cfg)
        if found:
            self.message.show_warning(bullet_list(found))
        else:
            self.message.clear_message()

    @Slot()
    def save(self) -> bool:
        cfg = self.config()
        try:
            cfg = mail_settings.save_settings(self.ctx.engine, self.ctx.actor, cfg)
            note = ""
            if self.password.text():
                stored = credentials.save_password(cfg, self.password.text())
                note = (" The password is in this computer's credential store." if stored
                        else " The password is kept for this session only: it will be asked"
                        " for again next time the app starts.")
                self.password.clear()
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return False
        self.message.show_ok("Email settings saved." + note)
        self._show_store(cfg)
        self.saved.emit()
        return True

    @Slot()
    def send_test(self) -> None:
        if self.task is not None and self.task.running:
            return
        to = self.test_to.text().strip()
        if not mail_settings.is_email(to):
            self.test_result.show_error("Enter the address to send the test message to.")
            return
        typed = self.password.text() or None  # try a password before saving it
        job = functools.partial(_test_job, self.ctx.engine, to, typed)
        self.task = BackgroundTask(self, "Sending a test message", job)
        self.task.succeeded.connect(self._tested)
        self.task.failed.connect(self._test_failed)
        self.test_button.setEnabled(False)
        self.test_result.show_warning(f"Sending a test message to {to}…")
        self.task.start()

    @Slot(object)
    def _tested(self, line: object) -> None:
        self.test_button.setEnabled(True)
        self.test_result.show_ok(str(line))

    @Slot(object)
    def _test_failed(self, exc: object) -> None:
        self.test_button.setEnabled(True)
        text = str(exc)
        self.test_result.show_error("The test message was not sent: " + text)
