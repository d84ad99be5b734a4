"""The leave request form: what the parent asked for, with the school's figures and checks
filled in live as staff type."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QWidget,
)

from attendance_desktop.domain import leave as rules
from attendance_desktop.gui.common import pydate, qdate
from attendance_desktop.gui.generated.leave.ui_request_dialog import Ui_RequestDialog
from attendance_desktop.gui.screen_fit import fit_to_screen
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.leave import leave_requests
from attendance_desktop.services.leave.leave_records import RequestInput
from attendance_desktop.services.pupils import pupil_contacts, pupil_service

RELATIONSHIPS = ("Mother", "Father", "Carer", "Step-parent", "Grandparent", "Guardian",
                 "Foster carer", "Social worker", "Other")


def date_edit(name: str, day: dt.date, tip: str = "") -> QDateEdit:
    edit = QDateEdit(qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd dd/MM/yyyy")
    edit.setAccessibleName(name)
    edit.setObjectName(name.replace(" ", "_").lower())
    edit.setToolTip(tip or name)
    return edit


def fill_sessions(box: QComboBox, default: str) -> None:
    """A session combo of a form: morning or afternoon, with the session as item data."""
    box.addItem("Morning (AM)", "AM")
    box.addItem("Afternoon (PM)", "PM")
    box.setCurrentIndex(0 if default == "AM" else 1)


class RequestDialog(QDialog):
    """New leave request. `submitted_id` holds the request number after Record."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 pupil_id: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.submitted_id: int | None = None
        self.ui = Ui_RequestDialog()
        self.ui.setupUi(self)
        ui = self.ui
        fit_to_screen(self)  # the form's 1180x640 is more than 1366x768 at 150%
        today = ctx.today()
        ui.pupil.lineEdit().setPlaceholderText("Type a name…")
        for p in pupil_service.list_pupils(ctx.engine):
            label = f"{p.name} ({p.class_name or 'no class'})"
            ui.pupil.addItem(label, p.id)
        completer = QCompleter(ui.pupil.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        ui.pupil.setCompleter(completer)
        ui.pupil.setCurrentIndex(-1)
        if pupil_id is not None:
            ui.pupil.setCurrentIndex(ui.pupil.findData(pupil_id))
        ui.relationship.addItems(RELATIONSHIPS)
        ui.relationship.setCurrentIndex(-1)
        ui.received.setDate(qdate(today))
        ui.first.setDate(qdate(today + dt.timedelta(days=14)))
        ui.last.setDate(qdate(today + dt.timedelta(days=14)))
        ui.review.setDate(qdate(today + dt.timedelta(days=42)))
        fill_sessions(ui.first_session, "AM")
        fill_sessions(ui.last_session, "PM")
        for code, label in rules.GROUNDS.items():
            ui.ground.addItem(f"{code} — {label}", code)
        ui.record.clicked.connect(self._submit)
        ui.buttons.rejected.connect(self.reject)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        for signal in (self.ui.received.dateChanged, self.ui.first.dateChanged,
                       self.ui.last.dateChanged, self.ui.review.dateChanged):
            signal.connect(self._changed)
        for combo in (self.ui.first_session, self.ui.last_session, self.ui.ground):
            combo.currentIndexChanged.connect(self._changed)
        self.ui.pupil.currentIndexChanged.connect(self._pupil_changed)
        self.ui.requested_by.currentIndexChanged.connect(self._contact_chosen)
        self.ui.first.dateChanged.connect(self._first_moved)
        self.ui.holiday.toggled.connect(self._changed)
        self.ui.licence.textChanged.connect(self._changed)
        self.ui.reason.textChanged.connect(self._changed)
        self._contacts: dict[str, str] = {}
        self._ground_fields()
        self._pupil_changed()

    # -- reading the form ----------------------------------------------------------------
    def pupil_id(self) -> int | None:
        index = self.ui.pupil.currentIndex()
        if index < 0 or self.ui.pupil.currentText() != self.ui.pupil.itemText(index):
            return None
        data = self.ui.pupil.itemData(index)
        return int(data) if data is not None else None

    def data(self) -> RequestInput | None:
        pid = self.pupil_id()
        if pid is None:
            return None
        ground = str(self.ui.ground.currentData())
        return RequestInput(
            pupil_id=pid, requested_by=self.ui.requested_by.currentText().strip(),
            relationship=self.ui.relationship.currentText().strip(),
            received_date=pydate(self.ui.received.date()),
            first_date=pydate(self.ui.first.date()),
            first_session=str(self.ui.first_session.currentData()),
            last_date=pydate(self.ui.last.date()),
            last_session=str(self.ui.last_session.currentData()),
            ground=ground, reason=self.ui.reason.toPlainText().strip(),
            is_holiday=self.ui.holiday.isChecked() and ground == "C",
            evidence=self.ui.evidence.text().strip(),
            licence_reference=self.ui.licence.text().strip() if ground == "C1" else "",
            review_date=pydate(self.ui.review.date()) if ground == "C2" else None)

    # -- reacting ------------------------------------------------------------------------
    @Slot()
    def _changed(self) -> None:
        self._ground_fields()
        self._timer.start()

    @Slot()
    def _first_moved(self) -> None:
        if self.ui.last.date() < self.ui.first.date():
            self.ui.last.setDate(self.ui.first.date())

    def _ground_fields(self) -> None:
        ground = self.ui.ground.currentData()
        self.ui.form.setRowVisible(self.ui.licence, ground == "C1")
        self.ui.form.setRowVisible(self.ui.review_row, ground == "C2")
        self.ui.holiday.setEnabled(ground == "C")

    @Slot()
    def _pupil_changed(self) -> None:
        pid = self.pupil_id()
        self.ui.requested_by.blockSignals(True)
        self.ui.requested_by.clear()
        self._contacts = {}
        if pid is not None:
            for c in pupil_contacts.list_contacts(self.ctx.engine, pid):
                self.ui.requested_by.addItem(c.name)
                self._contacts[c.name] = c.link.relationship
        self.ui.requested_by.setCurrentIndex(-1)
        self.ui.requested_by.blockSignals(False)
        self._changed()

    @Slot()
    def _contact_chosen(self) -> None:
        rel = self._contacts.get(self.ui.requested_by.currentText())
        if rel:
            self.ui.relationship.setCurrentText(rel)

    @Slot()
    def refresh(self) -> None:
        data = self.data()
        if data is None:
            self.ui.figures.clear("Choose a pupil to see their figures and the checks.")
            return
        try:
            p = leave_requests.preview(self.ctx.engine, data, today=self.ctx.today())
        except ServiceError as exc:
            self.ui.figures.clear(str(exc))
            return
        self.ui.figures.show_preview(p)

    @Slot()
    def _submit(self) -> None:
        data = self.data()
        if data is None:
            self.ui.message.show_error("Pupil: choose the pupil from the list (type part of"
                                       " the name).")
            self.ui.pupil.setFocus()
            return
        try:
            self.submitted_id = leave_requests.submit_request(self.ctx.engine, self.ctx.actor,
                                                              data, now=self.ctx.now())
        except ServiceError as exc:
            self.ui.message.show_error(f"The request was not saved: {exc}")
            return
        self.accept()
