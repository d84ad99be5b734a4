"""First-day absence messages from the Today board's "no reason yet" list: tick pupils,
choose and edit the wording, preview, queue in the outbox (ui/mail/first_day_dialog.ui)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QListWidgetItem, QMessageBox, QWidget

from attendance_desktop.gui.generated.mail.ui_first_day_dialog import Ui_FirstDayDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.mail import absence
from attendance_desktop.services.today.dashboard_service import Absentee


class FirstDayDialog(QDialog):
    def __init__(self, ctx: AppContext, absentees: Sequence[Absentee],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items: list[absence.Preview] = []
        self.queued: list[int] = []
        self.ui = Ui_FirstDayDialog()
        self.ui.setupUi(self)
        ui = self.ui
        self.resize(980, 600)
        self.pupils, self.template, self.subject = ui.pupils, ui.template, ui.subject
        self.body, self.preview, self.note = ui.body, ui.preview, ui.note
        self.save_wording = ui.save_wording
        for a in absentees:
            mark = "N" if a.code == "N" else "no mark"
            item = QListWidgetItem(f"{a.name} ({a.class_name}, {mark})")
            item.setData(Qt.ItemDataRole.UserRole, a.pupil_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if a.code == "N" and not a.calls
                               else Qt.CheckState.Unchecked)
            self.pupils.addItem(item)
        self.pupils.itemChanged.connect(self._schedule)
        for t in absence.templates(ctx.engine):
            self.template.addItem(t.title, t.key)
        self.template.currentIndexChanged.connect(self._load_template)
        fields = ", ".join(f"{{{k}}}" for k in absence.FIELDS)
        self.body.setToolTip("Merge fields: " + fields)
        self.subject.setToolTip("Merge fields: " + fields)
        ui.fieldsHint.setText("Merge fields: " + fields)
        self.save_wording.clicked.connect(self.save_template)
        self.queue_button = ui.buttons.addButton("&Queue emails",
                                                 QDialogButtonBox.ButtonRole.AcceptRole)
        self.queue_button.setToolTip("Put the messages in the Outbox; they are sent as soon"
                                     " as the mail server can be reached")
        ui.buttons.accepted.connect(self.queue)
        ui.buttons.rejected.connect(self.reject)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh_preview)
        self.subject.textChanged.connect(self._schedule)
        self.body.textChanged.connect(self._schedule)
        self._load_template()

    def ticked(self) -> list[int]:
        return [self.pupils.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.pupils.count())
                if self.pupils.item(i).checkState() == Qt.CheckState.Checked]

    @Slot()
    def _load_template(self) -> None:
        key = self.template.currentData()
        t = next(t for t in absence.templates(self.ctx.engine) if t.key == key)
        self.subject.setText(t.subject)
        self.body.setPlainText(t.body)
        self.refresh_preview()

    @Slot()
    def _schedule(self) -> None:
        self._timer.start()

    @Slot()
    def refresh_preview(self) -> None:
        problems = absence.check(self.subject.text()) + absence.check(self.body.toPlainText())
        if problems:
            self.preview.setPlainText("\n".join(problems))
            self.items = []
            self.queue_button.setEnabled(False)
            return
        try:
            self.items = absence.preview(self.ctx.engine, self.template.currentData(),
                                         self.ticked(), self.ctx.today(),
                                         subject=self.subject.text(),
                                         body=self.body.toPlainText())
        except ServiceError as exc:
            self.preview.setPlainText(str(exc))
            self.items = []
            return
        sending = [i for i in self.items if i.recipient]
        ring = sorted({i.child_name for i in self.items if not i.recipient})
        text = [f"To: {i.recipient_name} <{i.recipient}>\nSubject: {i.subject}\n\n{i.body}"
                for i in sending]
        self.preview.setPlainText(("\n" + "─" * 40 + "\n").join(text) or "Nobody to email.")
        self.note.setText(f"{len(sending)} emails."
                          + (f" No email address for {', '.join(ring)}: ring instead."
                             if ring else ""))
        self.queue_button.setEnabled(bool(sending))

    @Slot()
    def save_template(self) -> None:
        try:
            absence.save_template(self.ctx.engine, self.ctx.actor, self.template.currentData(),
                                  self.subject.text(), self.body.toPlainText())
        except ServiceError as exc:
            QMessageBox.warning(self, "Wording", str(exc))
            return
        self.note.setText("Wording saved.")

    @Slot()
    def queue(self) -> None:
        self._timer.stop()
        self.refresh_preview()
        if not any(i.recipient for i in self.items):
            return
        try:
            self.queued = absence.queue_messages(self.ctx.engine, self.ctx.actor, self.items)
        except ServiceError as exc:
            QMessageBox.warning(self, "Email families", str(exc))
            return
        self.accept()
