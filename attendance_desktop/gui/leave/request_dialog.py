"""The leave request form: what the parent asked for, with the school's figures and checks
filled in live as staff type."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain import leave as rules
from attendance_desktop.gui.leave.figures_widget import FiguresWidget
from attendance_desktop.gui.settings.common import MessageLabel, pydate, qdate
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.leave import leave_service
from attendance_desktop.services.leave.leave_service import RequestInput
from attendance_desktop.services.pupils import pupil_service

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


def session_box(name: str, default: str) -> QComboBox:
    box = QComboBox()
    box.addItem("Morning (AM)", "AM")
    box.addItem("Afternoon (PM)", "PM")
    box.setCurrentIndex(0 if default == "AM" else 1)
    box.setAccessibleName(name)
    box.setObjectName(name.replace(" ", "_").lower())
    box.setToolTip(f"{name}: a request can start in the afternoon or end at lunchtime")
    return box


def pair(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    return holder


class RequestDialog(QDialog):
    """New leave request. `submitted_id` holds the request number after Record."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 pupil_id: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.submitted_id: int | None = None
        self.setWindowTitle("New leave of absence request")
        self.setObjectName("leaveRequestDialog")
        today = ctx.today()
        outer = QVBoxLayout(self)
        body = QHBoxLayout()
        outer.addLayout(body, 1)

        box = QGroupBox("The request (from the parent's form or letter)")
        box_layout = QVBoxLayout(box)
        form = QFormLayout()
        box_layout.addLayout(form)
        box_layout.addStretch(1)
        self.pupil = QComboBox()
        self.pupil.setEditable(True)
        self.pupil.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.pupil.setAccessibleName("Pupil")
        self.pupil.setObjectName("pupil")
        self.pupil.setToolTip("Type part of the pupil's name, UPN or class")
        self.pupil.lineEdit().setPlaceholderText("Type a name…")
        for p in pupil_service.list_pupils(ctx.engine):
            label = f"{p.name} ({p.class_name or 'no class'})"
            self.pupil.addItem(label, p.id)
        completer = QCompleter(self.pupil.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.pupil.setCompleter(completer)
        self.pupil.setCurrentIndex(-1)
        if pupil_id is not None:
            self.pupil.setCurrentIndex(self.pupil.findData(pupil_id))
        self.requested_by = QComboBox()
        self.requested_by.setEditable(True)
        self.requested_by.setAccessibleName("Who asked")
        self.requested_by.setObjectName("requested_by")
        self.requested_by.setToolTip("The parent or carer who made the request (the pupil's"
                                     " contacts are listed)")
        self.relationship = QComboBox()
        self.relationship.setEditable(True)
        self.relationship.addItems(RELATIONSHIPS)
        self.relationship.setCurrentIndex(-1)
        self.relationship.setAccessibleName("Relationship to the pupil")
        self.relationship.setObjectName("relationship")
        self.received = date_edit("Date received", today, "The day the school received the"
                                  " request (notice is counted from here)")
        self.first = date_edit("First day", today + dt.timedelta(days=14))
        self.first_session = session_box("First session", "AM")
        self.last = date_edit("Last day", today + dt.timedelta(days=14))
        self.last_session = session_box("Last session", "PM")
        self.ground = QComboBox()
        for code, label in rules.GROUNDS.items():
            self.ground.addItem(f"{code} — {label}", code)
        self.ground.setAccessibleName("Ground")
        self.ground.setObjectName("ground")
        self.ground.setToolTip("The ground for the leave; its code goes in the register if"
                               " the leave is granted")
        self.licence = QLineEdit()
        self.licence.setAccessibleName("Licence reference")
        self.licence.setObjectName("licence")
        self.licence.setPlaceholderText("LA licence or body of persons approval number")
        self.review = date_edit("Review date", today + dt.timedelta(days=42),
                                "When the part-time timetable will be reviewed")
        self.holiday = QCheckBox("The family says this is a holiday")
        self.holiday.setAccessibleName("This is a holiday")
        self.holiday.setObjectName("holiday")
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason in the parent's words")
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("Copy the reason as the parent gave it")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(70)
        self.evidence = QLineEdit()
        self.evidence.setAccessibleName("Evidence seen")
        self.evidence.setObjectName("evidence")
        self.evidence.setPlaceholderText("e.g. appointment letter, licence, order of service")
        form.addRow("&Pupil:", self.pupil)
        form.addRow("&Who asked:", self.requested_by)
        form.addRow("Relationship:", self.relationship)
        form.addRow("Date &received:", pair(self.received))
        form.addRow("&First day:", pair(self.first, self.first_session))
        form.addRow("&Last day:", pair(self.last, self.last_session))
        form.addRow("&Ground:", self.ground)
        form.addRow("Licence reference:", self.licence)
        self.review_row = pair(self.review)
        form.addRow("Review date:", self.review_row)
        form.addRow("", self.holiday)
        form.addRow("Reason:", self.reason)
        form.addRow("&Evidence seen:", self.evidence)
        self.form = form
        box.setMinimumWidth(500)
        body.addWidget(box, 5)
        self.figures = FiguresWidget()
        self.figures.setMinimumWidth(460)
        body.addWidget(self.figures, 5)

        self.message = MessageLabel("leaveRequestMessage")
        outer.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.record = buttons.addButton("&Record request", QDialogButtonBox.ButtonRole.AcceptRole)
        self.record.setObjectName("recordRequest")
        self.record.setToolTip("Save the request; it then waits for the headteacher's decision")
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        for signal in (self.received.dateChanged, self.first.dateChanged, self.last.dateChanged,
                       self.review.dateChanged):
            signal.connect(self._changed)
        for combo in (self.first_session, self.last_session, self.ground):
            combo.currentIndexChanged.connect(self._changed)
        self.pupil.currentIndexChanged.connect(self._pupil_changed)
        self.requested_by.currentIndexChanged.connect(self._contact_chosen)
        self.first.dateChanged.connect(self._first_moved)
        self.holiday.toggled.connect(self._changed)
        self.licence.textChanged.connect(self._changed)
        self.reason.textChanged.connect(self._changed)
        self._contacts: dict[str, str] = {}
        self._ground_fields()
        self._pupil_changed()
        self.resize(1180, 640)

    # -- reading the form ----------------------------------------------------------------
    def pupil_id(self) -> int | None:
        index = self.pupil.currentIndex()
        if index < 0 or self.pupil.currentText() != self.pupil.itemText(index):
            return None
        data = self.pupil.itemData(index)
        return int(data) if data is not None else None

    def data(self) -> RequestInput | None:
        pid = self.pupil_id()
        if pid is None:
            return None
        ground = str(self.ground.currentData())
        return RequestInput(
            pupil_id=pid, requested_by=self.requested_by.currentText().strip(),
            relationship=self.relationship.currentText().strip(),
            received_date=pydate(self.received.date()), first_date=pydate(self.first.date()),
            first_session=str(self.first_session.currentData()),
            last_date=pydate(self.last.date()), last_session=str(self.last_session.currentData()),
            ground=ground, reason=self.reason.toPlainText().strip(),
            is_holiday=self.holiday.isChecked() and ground == "C",
            evidence=self.evidence.text().strip(),
            licence_reference=self.licence.text().strip() if ground == "C1" else "",
            review_date=pydate(self.review.date()) if ground == "C2" else None)

    # -- reacting ------------------------------------------------------------------------
    @Slot()
    def _changed(self) -> None:
        self._ground_fields()
        self._timer.start()

    @Slot()
    def _first_moved(self) -> None:
        if self.last.date() < self.first.date():
            self.last.setDate(self.first.date())

    def _ground_fields(self) -> None:
        ground = self.ground.currentData()
        for widget, wanted in ((self.licence, "C1"), (self.review_row, "C2")):
            widget.setVisible(ground == wanted)
            self.form.labelForField(widget).setVisible(ground == wanted)
        self.holiday.setEnabled(ground == "C")

    @Slot()
    def _pupil_changed(self) -> None:
        pid = self.pupil_id()
        self.requested_by.blockSignals(True)
        self.requested_by.clear()
        self._contacts = {}
        if pid is not None:
            for c in pupil_service.list_contacts(self.ctx.engine, pid):
                self.requested_by.addItem(c.name)
                self._contacts[c.name] = c.link.relationship
        self.requested_by.setCurrentIndex(-1)
        self.requested_by.blockSignals(False)
        self._changed()

    @Slot()
    def _contact_chosen(self) -> None:
        rel = self._contacts.get(self.requested_by.currentText())
        if rel:
            self.relationship.setCurrentText(rel)

    @Slot()
    def refresh(self) -> None:
        data = self.data()
        if data is None:
            self.figures.clear("Choose a pupil to see their figures and the checks.")
            return
        try:
            p = leave_service.preview(self.ctx.engine, data, today=self.ctx.today())
        except ServiceError as exc:
            self.figures.clear(str(exc))
            return
        self.figures.show_preview(p)

    @Slot()
    def _submit(self) -> None:
        data = self.data()
        if data is None:
            self.message.show_error("Pupil: choose the pupil from the list (type part of the"
                                    " name).")
            self.pupil.setFocus()
            return
        try:
            self.submitted_id = leave_service.submit_request(self.ctx.engine, self.ctx.actor,
                                                             data, now=self.ctx.now())
        except ServiceError as exc:
            self.message.show_error(f"The request was not saved: {exc}")
            return
        self.accept()
