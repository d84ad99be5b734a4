"""Dialogs for pupil records: add/edit a pupil, leaving, and a contact."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.settings.common import MessageLabel, pydate, qdate
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pupils import pupil_service
from attendance_desktop.services.pupils.class_service import ClassInfo
from attendance_desktop.services.pupils.pupil_service import (
    GROUP_FLAGS,
    SEN_LABELS,
    YEAR_GROUPS,
    ContactInput,
    LinkInput,
    PupilInput,
)

YEAR_LABELS = {"N": "Nursery", "R": "Reception"}


def _line(name: str, tip: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setObjectName(name.replace(" ", "_").lower())
    if tip:
        edit.setToolTip(tip)
    return edit


def _date(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setAccessibleName(name)
    edit.setObjectName(name.replace(" ", "_").lower())
    return edit


class PupilEditDialog(QDialog):
    """Add a pupil (pupil_id None) or edit one; saves through pupil_service on OK."""

    def __init__(self, ctx: AppContext, classes: list[ClassInfo], pupil_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pupil_id = pupil_id
        self.saved_id: int | None = None
        self.setWindowTitle("Add a pupil" if pupil_id is None else "Edit pupil")
        self.forename = _line("Legal forename")
        self.surname = _line("Legal surname")
        self.pref_forename = _line("Preferred forename", "The name the pupil is known by, if"
                                   " different")
        self.pref_surname = _line("Preferred surname")
        self.upn = _line("UPN", "Unique Pupil Number: 13 characters, a letter then 12 digits"
                         " (leave empty if not known yet)")
        self.dob = _date("Date of birth")
        self.sex = QComboBox()
        self.sex.setAccessibleName("Sex")
        for key, label in (("", "Not recorded"), ("F", "Female"), ("M", "Male"),
                           ("X", "Other / not known")):
            self.sex.addItem(label, key)
        self.year = QComboBox()
        self.year.setAccessibleName("Year group")
        self.year.setObjectName("year_group")
        for y in YEAR_GROUPS:
            self.year.addItem(YEAR_LABELS.get(y, f"Year {y}"), y)
        self.klass = QComboBox()
        self.klass.setAccessibleName("Class")
        self.klass.setObjectName("class")
        self.klass.addItem("(no class)", None)
        for c in classes:
            self.klass.addItem(c.name, c.id)
        self.admission = _date("Admission date")
        self.sen = QComboBox()
        self.sen.setAccessibleName("SEN")
        for key, label in SEN_LABELS.items():
            self.sen.addItem(label, key)
        self.flags = {key: QCheckBox(label) for key, label in GROUP_FLAGS.items()}
        self.ethnicity = _line("Ethnicity")
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(60)
        form = QFormLayout()
        form.addRow("Legal &forename *", self.forename)
        form.addRow("Legal &surname *", self.surname)
        form.addRow("Preferred forename", self.pref_forename)
        form.addRow("Preferred surname", self.pref_surname)
        form.addRow("&UPN", self.upn)
        # A valid UPN that is saved all the same but worth a look (a temporary UPN, an LA
        # number missing from the DfE list): said here, never a refusal.
        self.upn_warning = QLabel()
        self.upn_warning.setObjectName("upnWarning")
        self.upn_warning.setWordWrap(True)
        self.upn_warning.setStyleSheet("color: #7a4b00")
        self.upn_warning.setVisible(False)
        form.addRow("", self.upn_warning)
        self.upn.textChanged.connect(self._upn_changed)
        form.addRow("&Date of birth *", self.dob)
        form.addRow("Se&x", self.sex)
        form.addRow("&Year group *", self.year)
        form.addRow("&Class", self.klass)
        form.addRow("&Admission date *", self.admission)
        groups = QGroupBox("Groups")
        grid = QGridLayout(groups)
        sen_row = QHBoxLayout()
        sen_label = QLabel("Special educational &needs:")
        sen_label.setBuddy(self.sen)
        sen_row.addWidget(sen_label)
        sen_row.addWidget(self.sen, 1)
        grid.addLayout(sen_row, 0, 0, 1, 2)
        for n, box in enumerate(self.flags.values()):
            grid.addWidget(box, 1 + n // 2, n % 2)
        form2 = QFormLayout()
        form2.addRow("Ethnicity", self.ethnicity)
        form2.addRow("Notes", self.notes)
        self.message = MessageLabel("pupilMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        columns = QHBoxLayout()
        columns.addLayout(form, 1)
        right = QVBoxLayout()
        right.addWidget(groups)
        right.addLayout(form2)
        right.addStretch(1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        today = ctx.today()
        self.dob.setDate(qdate(dt.date(today.year - 6, 9, 1)))
        self.admission.setDate(qdate(today))
        if pupil_id is not None:
            self.load(pupil_service.get_pupil(ctx.engine, pupil_id).data)
        self.resize(820, 440)

    def load(self, d: PupilInput) -> None:
        self.forename.setText(d.legal_forename)
        self.surname.setText(d.legal_surname)
        self.pref_forename.setText(d.preferred_forename)
        self.pref_surname.setText(d.preferred_surname)
        self.upn.setText(d.upn)
        self.dob.setDate(qdate(d.dob))
        self.sex.setCurrentIndex(max(0, self.sex.findData(d.sex)))
        self.year.setCurrentIndex(max(0, self.year.findData(d.year_group)))
        self.klass.setCurrentIndex(max(0, self.klass.findData(d.class_id)))
        self.admission.setDate(qdate(d.admission_date))
        self.sen.setCurrentIndex(max(0, self.sen.findData(d.sen)))
        for key, box in self.flags.items():
            box.setChecked(bool(getattr(d, key)))
        self.ethnicity.setText(d.ethnicity)
        self.notes.setPlainText(d.notes)

    def value(self) -> PupilInput:
        return PupilInput(
            legal_forename=self.forename.text(), legal_surname=self.surname.text(),
            preferred_forename=self.pref_forename.text(),
            preferred_surname=self.pref_surname.text(), upn=self.upn.text().strip().upper(),
            dob=pydate(self.dob.date()), sex=self.sex.currentData(),
            year_group=self.year.currentData(), class_id=self.klass.currentData(),
            admission_date=pydate(self.admission.date()), sen=self.sen.currentData(),
            ethnicity=self.ethnicity.text(), notes=self.notes.toPlainText(),
            **{k: b.isChecked() for k, b in self.flags.items()})

    @Slot(str)
    def _upn_changed(self, text: str) -> None:
        notes = pupil_service.upn_warnings(text)
        self.upn_warning.setText("\n".join(notes))
        self.upn_warning.setAccessibleName("UPN warning: " + " ".join(notes) if notes else "")
        self.upn_warning.setVisible(bool(notes))

    @Slot()
    def _save(self) -> None:
        data = self.value()
        problems = pupil_service.problems(data, self.ctx.today())
        if problems:
            self.message.show_error("Please correct:\n" + "\n".join(f"• {p}" for p in problems))
            return
        try:
            if self.pupil_id is None:
                self.saved_id = pupil_service.add_pupil(self.ctx.engine, self.ctx.actor, data,
                                                        self.ctx.today())
            else:
                pupil_service.update_pupil(self.ctx.engine, self.ctx.actor, self.pupil_id, data,
                                           self.ctx.today())
                self.saved_id = self.pupil_id
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return
        self.accept()


class LeaveDialog(QDialog):
    """Record the pupil's last day on roll and why they left."""

    def __init__(self, ctx: AppContext, pupil_id: int, name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pupil_id = pupil_id
        self.setWindowTitle(f"{name} is leaving")
        self.date = _date("Leaving date")
        self.date.setDate(qdate(ctx.today()))
        self.date.setToolTip("The pupil's last day on roll")
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.setAccessibleName("Leaving reason")
        self.reason.setObjectName("leaving_reason")
        self.reason.addItems(["", "Moved to another school", "Moved away", "Elective home"
                              " education", "End of primary education", "Other"])
        form = QFormLayout()
        form.addRow("&Last day on roll", self.date)
        form.addRow("&Reason *", self.reason)
        self.message = MessageLabel("leaveMessage")
        note = MessageLabel("leaveNote")
        note.show_warning("Nothing is deleted: the pupil's marks and history stay, and they"
                          " are still counted in reports for the days they were on roll.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(460, 220)

    @Slot()
    def _save(self) -> None:
        try:
            pupil_service.leave(self.ctx.engine, self.ctx.actor, self.pupil_id,
                                pydate(self.date.date()), self.reason.currentText())
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return
        self.accept()


class ContactDialog(QDialog):
    """Add a contact to a pupil (link_id None) or edit one."""

    def __init__(self, ctx: AppContext, pupil_id: int, link_id: int | None = None,
                 contact: ContactInput | None = None, link: LinkInput | None = None,
                 count: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pupil_id = pupil_id
        self.link_id = link_id
        self.setWindowTitle("Add a contact" if link_id is None else "Edit contact")
        self.title_ = QComboBox()
        self.title_.setEditable(True)
        self.title_.setAccessibleName("Title")
        self.title_.addItems(["", "Mrs", "Mr", "Ms", "Miss", "Mx", "Dr"])
        self.forename = _line("Contact forename")
        self.surname = _line("Contact surname")
        self.relationship = QComboBox()
        self.relationship.setEditable(True)
        self.relationship.setAccessibleName("Relationship")
        self.relationship.addItems(["Mother", "Father", "Parent", "Step-parent", "Carer",
                                    "Foster carer", "Grandparent", "Aunt", "Uncle", "Sibling",
                                    "Childminder", "Other"])
        self.priority = QSpinBox()
        self.priority.setRange(1, max(1, count + (1 if link_id is None else 0)))
        self.priority.setAccessibleName("Priority")
        self.priority.setToolTip("1 = call first")
        self.mobile = _line("Mobile phone")
        self.home = _line("Home phone")
        self.work = _line("Work phone")
        self.email = _line("Contact email")
        self.address = QPlainTextEdit()
        self.address.setAccessibleName("Contact address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(56)
        self.postcode = _line("Contact postcode")
        self.pr = QCheckBox("Has parental responsibility")
        self.lives = QCheckBox("Lives with the pupil")
        self.emergency = QCheckBox("Emergency contact")
        form = QFormLayout()
        form.addRow("Title", self.title_)
        form.addRow("&Forename", self.forename)
        form.addRow("&Surname *", self.surname)
        form.addRow("&Relationship", self.relationship)
        form.addRow("&Priority (1 = first)", self.priority)
        form.addRow("&Mobile", self.mobile)
        form.addRow("&Home phone", self.home)
        form.addRow("&Work phone", self.work)
        form.addRow("&Email", self.email)
        form.addRow("Address", self.address)
        form.addRow("Postcode", self.postcode)
        form.addRow("", self.pr)
        form.addRow("", self.lives)
        form.addRow("", self.emergency)
        self.message = MessageLabel("contactMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        c = contact or ContactInput("")
        ln = link or LinkInput(priority=count + 1)
        self.title_.setCurrentText(c.title)
        self.forename.setText(c.forename)
        self.surname.setText(c.surname)
        self.mobile.setText(c.phone_mobile)
        self.home.setText(c.phone_home)
        self.work.setText(c.phone_work)
        self.email.setText(c.email)
        self.address.setPlainText(c.address)
        self.postcode.setText(c.postcode)
        self.relationship.setCurrentText(ln.relationship)
        self.priority.setValue(ln.priority)
        self.pr.setChecked(ln.parental_responsibility)
        self.lives.setChecked(ln.lives_with_pupil)
        self.emergency.setChecked(ln.emergency_contact)

    def values(self) -> tuple[ContactInput, LinkInput]:
        return (ContactInput(
            surname=self.surname.text().strip(), forename=self.forename.text().strip(),
            title=self.title_.currentText().strip(), phone_mobile=self.mobile.text().strip(),
            phone_home=self.home.text().strip(), phone_work=self.work.text().strip(),
            email=self.email.text().strip(), address=self.address.toPlainText().strip(),
            postcode=self.postcode.text().strip()),
            LinkInput(self.relationship.currentText().strip(), self.priority.value(),
                      self.pr.isChecked(), self.lives.isChecked(), self.emergency.isChecked()))

    @Slot()
    def _save(self) -> None:
        contact, link = self.values()
        try:
            if self.link_id is None:
                pupil_service.add_contact(self.ctx.engine, self.ctx.actor, self.pupil_id,
                                          contact, link)
            else:
                pupil_service.update_contact(self.ctx.engine, self.ctx.actor, self.link_id,
                                             contact, link)
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return
        self.accept()
