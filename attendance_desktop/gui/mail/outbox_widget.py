"""The Outbox: every email with its status, attempts and error; Send now, Retry, Cancel and
"It arrived" for a message that needs checking. Layout: ui/mail/outbox.ui."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QTableWidgetItem,
    QWidget,
)

from attendance_desktop.gui.generated.mail.ui_outbox import Ui_OutboxWidget
from attendance_desktop.gui.mail.pump import MailPump
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.mail import credentials, outbox
from attendance_desktop.services.mail.outbox import OutboxRow
from attendance_desktop.services.mail.settings import get_settings

TIPS = {
    "queued": "Waiting to be sent: it goes when the mail server can be reached",
    "sending": "Being handed to the mail server now",
    "sent": "The mail server accepted it",
    "failed": "The server refused it, or it failed too many times: check the address",
    "cancelled": "Cancelled by staff: it will not be sent",
    "check": "The app stopped while sending it, so it may have arrived. Look for it in the"
             " account's sent items, then choose 'It arrived' or 'Retry'",
}


class OutboxWidget(QWidget):
    def __init__(self, ctx: AppContext, pump: MailPump | None = None,
                 parent: QWidget | None = None, *, navigator: Navigator | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        # Its own pump for "Send now"; the main window's sends every minute. Both may run:
        # each message is claimed before it is sent.
        self.pump = pump or MailPump(ctx, self, interval_ms=0)
        self.pump.finished.connect(self._flushed)
        self.rows: list[OutboxRow] = []
        self._watched: MailPump | None = None
        self.ui = Ui_OutboxWidget()
        self.ui.setupUi(self)
        ui = self.ui
        self.summary, self.table, self.status = ui.outboxSummary, ui.table, ui.outboxStatus
        self.send_button, self.retry_button = ui.send_button, ui.retry_button
        self.cancel_button, self.arrived_button = ui.cancel_button, ui.arrived_button
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        for button, slot in ((self.send_button, self.send_now), (self.retry_button, self.retry),
                             (self.cancel_button, self.cancel),
                             (self.arrived_button, self.confirm),
                             (ui.refresh_button, self.refresh)):
            button.clicked.connect(slot)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The main window's background sender: say what it last did, refresh after it.
        main = self.navigator.mail_pump
        if isinstance(main, MailPump) and main is not self._watched:
            main.finished.connect(self._background_flushed)
            self._watched = main
        if self._watched is not None and self._watched.last and not self.status.text():
            self.status.setText(f"Background send: {self._watched.last}")
        self.refresh()

    @Slot(str)
    def _background_flushed(self, text: str) -> None:
        if self.isVisible():
            self.status.setText(f"Background send: {text}")
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        self.rows = outbox.list_messages(self.ctx.engine)
        self.table.setRowCount(len(self.rows))
        for r, m in enumerate(self.rows):
            if m.status == "sent" and m.sent_at:
                when = f"sent {m.sent_at:%d/%m %H:%M}"
            elif m.status == "queued":
                when = f"next {m.next_attempt_at:%d/%m %H:%M}"
            else:
                when = ""
            values = (m.status_label, f"{m.recipient_name} <{m.recipient}>".strip(),
                      m.subject + (" (PDF)" if m.has_attachment else ""), str(m.attempts),
                      f"{m.queued_at:%d/%m %H:%M}", when, m.last_error)
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(TIPS.get(m.status, "") if c == 0 else
                                f"{text}\nMessage-ID {m.message_id}" if c == 2 else text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, m.id)
                self.table.setItem(r, c, item)
        n = outbox.counts(self.ctx.engine)
        self.summary.setText(
            f"{n.get('queued', 0)} waiting · {n.get('sent', 0)} sent · "
            f"{n.get('failed', 0)} failed · {n.get('check', 0)} need checking. Waiting"
            " messages are sent in the background every minute while the app is open.")
        self._selection_changed()

    def selected(self) -> OutboxRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    @Slot()
    def _selection_changed(self) -> None:
        m = self.selected()
        status = m.status if m else ""
        self.retry_button.setEnabled(status in ("queued", "failed", "check"))
        self.cancel_button.setEnabled(status in ("queued", "failed", "check"))
        self.arrived_button.setEnabled(status == "check")

    def ask_password(self) -> bool:
        """Where no password is kept (no safe store on this PC, or not yet entered), ask
        for it: kept in the credential store if there is one, else for this session."""
        cfg = get_settings(self.ctx.engine)
        if not cfg.account or credentials.get_password(cfg) is not None:
            return True
        text, ok = QInputDialog.getText(
            self, "Email password", f"The password for {cfg.account} on {cfg.host}:\n"
            f"{credentials.store_status().message}", QLineEdit.EchoMode.Password)
        if not ok or not text:
            return False
        credentials.save_password(cfg, text)
        return True

    @Slot()
    def send_now(self) -> None:
        if not self.ask_password():
            self.status.setText("Not sent: the email password is needed.")
            return
        if self.pump.send_now():
            self.send_button.setEnabled(False)
            self.status.setText("Sending…")

    @Slot(str)
    def _flushed(self, text: str) -> None:
        self.send_button.setEnabled(True)
        self.status.setText(text)
        self.refresh()

    def _act(self, action: str) -> None:
        m = self.selected()
        if m is None:
            return
        if action == "cancel":
            answer = QMessageBox.question(
                self, "Cancel message", f"Do not send “{m.subject}” to {m.recipient}?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            {"retry": outbox.retry, "cancel": outbox.cancel,
             "confirm": outbox.confirm_sent}[action](self.ctx.engine, self.ctx.actor, m.id)
        except ServiceError as exc:
            QMessageBox.warning(self, "Outbox", str(exc))
        self.refresh()

    @Slot()
    def retry(self) -> None:
        self._act("retry")
        self.send_now()

    @Slot()
    def cancel(self) -> None:
        self._act("cancel")

    @Slot()
    def confirm(self) -> None:
        self._act("confirm")
