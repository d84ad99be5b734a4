"""Dialogs for pupil records: add/edit a pupil, leaving, and a contact."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QDialog, QWidget

from attendance_desktop.gui.common import pydate, qdate
from attendance_desktop.gui.generated.pupils.ui_contact_dialog import Ui_ContactDialog
from attendance_desktop.gui.generated.pupils.ui_leave_dialog import Ui_LeaveDialog
from attendance_desktop.gui.generated.pupils.ui_pupil_edit_dialog import Ui_PupilEditDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pupils import pupil_contacts, pupil_service
from attendance_desktop.services.pupils.class_service import ClassInfo
from attendance_desktop.services.pupils.pupil_contacts import (
    ContactInput,
    LinkInput,
)
from attendance_desktop.services.pupils.pupil_service import (
    GROUP_FLAGS,
    SEN_LABELS,
    YEAR_GROUPS,
    PupilInput,
)

YEAR_LABELS = {"N": "Nursery", "R": "Reception"}


class PupilEditDialog(QDialog):
    """Add a pupil (pupil_id None) or edit one; saves through pupil_service on OK."""

    def __init__(self, ctx: AppContext, classes: list[ClassInfo], pupil_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pupil_id = pupil_id
        self.saved_id: int | None = None
        self.setWindowTitle("Add a pupil" if pupil_id is None else "Edit pupil")
        self.ui = Ui_PupilEditDialog()
        self.ui.setupUi(self)
        for key, label in (("", "Not recorded"), ("F", "Female"), ("M", "Male"),
                           ("X", "Other / not known")):
            self.ui.sex.addItem(label, key)
        for y in YEAR_GROUPS:
            self.ui.year.addItem(YEAR_LABELS.get(y, f"Year {y}"), y)
        self.ui.klass.addItem("(no class)", None)
        for c in classes:
            self.ui.klass.addItem(c.name, c.id)
        for key, label in SEN_LABELS.items():
            self.ui.sen.addItem(label, key)
        # One tick box per group the service knows, two to a row under the SEN choice.
        self.flags = {key: QCheckBox(label) for key, label in GROUP_FLAGS.items()}
        previous: QWidget = self.ui.sen
        for n, (key, box) in enumerate(self.flags.items()):
            box.setObjectName(f"flag_{key}")
            self.ui.groups_grid.addWidget(box, 1 + n // 2, n % 2)
            QWidget.setTabOrder(previous, box)
            previous = box
        QWidget.setTabOrder(previous, self.ui.ethnicity)
        # A valid UPN that is saved all the same but worth a look (a temporary UPN, an LA
        # number missing from the DfE list): said under the UPN, never a refusal.
        self.ui.upn.textChanged.connect(self._upn_changed)
        self.ui.buttons.accepted.connect(self._save)
        self.ui.buttons.rejected.connect(self.reject)
        today = ctx.today()
        self.ui.dob.setDate(qdate(dt.date(today.year - 6, 9, 1)))
        self.ui.admission.setDate(qdate(today))
        if pupil_id is not None:
            self.load(pupil_service.get_pupil(ctx.engine, pupil_id).data)

    def load(self, d: PupilInput) -> None:
        self.ui.forename.setText(d.legal_forename)
        self.ui.surname.setText(d.legal_surname)
        self.ui.pref_forename.setText(d.preferred_forename)
        self.ui.pref_surname.setText(d.preferred_surname)
        self.ui.upn.setText(d.upn)
        self.ui.dob.setDate(qdate(d.dob))
        self.ui.sex.setCurrentIndex(max(0, self.ui.sex.findData(d.sex)))
        self.ui.year.setCurrentIndex(max(0, self.ui.year.findData(d.year_group)))
        self.ui.klass.setCurrentIndex(max(0, self.ui.klass.findData(d.class_id)))
        self.ui.admission.setDate(qdate(d.admission_date))
        self.ui.sen.setCurrentIndex(max(0, self.ui.sen.findData(d.sen)))
        for key, box in self.flags.items():
            box.setChecked(bool(getattr(d, key)))
        self.ui.ethnicity.setText(d.ethnicity)
        self.ui.notes.setPlainText(d.notes)

    def value(self) -> PupilInput:
        return PupilInput(
            legal_forename=self.ui.forename.text(), legal_surname=self.ui.surname.text(),
            preferred_forename=self.ui.pref_forename.text(),
            preferred_surname=self.ui.pref_surname.text(), upn=self.ui.upn.text().strip().upper(),
            dob=pydate(self.ui.dob.date()), sex=self.ui.sex.currentData(),
            year_group=self.ui.year.currentData(), class_id=self.ui.klass.currentData(),
            admission_date=pydate(self.ui.admission.date()), sen=self.ui.sen.currentData(),
            ethnicity=self.ui.ethnicity.text(), notes=self.ui.notes.toPlainText(),
            **{k: b.isChecked() for k, b in self.flags.items()})

    @Slot(str)
    def _upn_changed(self, text: str) -> None:
        notes = pupil_service.upn_warnings(text)
        self.ui.upn_warning.setText("\n".join(notes))
        self.ui.upn_warning.setAccessibleName("UPN warning: " + " ".join(notes) if notes else "")
        self.ui.upn_warning.setVisible(bool(notes))

    @Slot()
    def _save(self) -> None:
        data = self.value()
        problems = pupil_service.problems(data, self.ctx.today())
        if problems:
            self.ui.message.show_error("Please correct:\n" + "\n".join(f"• {p}" for p in problems))
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
            self.ui.message.show_error(str(exc))
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
        self.ui = Ui_LeaveDialog()
        self.ui.setupUi(self)
        self.ui.date.setDate(qdate(ctx.today()))
        self.ui.note.show_warning("Nothing is deleted: the pupil's marks and history stay, and"
                                  " they are still counted in reports for the days they were"
                                  " on roll.")
        self.ui.buttons.accepted.connect(self._save)
        self.ui.buttons.rejected.connect(self.reject)

    @Slot()
    def _save(self) -> None:
        try:
            pupil_service.leave(self.ctx.engine, self.ctx.actor, self.pupil_id,
                                pydate(self.ui.date.date()), self.ui.reason.currentText())
        except ServiceError as exc:
            self.ui.message.show_error(str(exc))
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
        self.ui = Ui_ContactDialog()
        self.ui.setupUi(self)
        self.ui.priority.setMaximum(max(1, count + (1 if link_id is None else 0)))
        self.ui.buttons.accepted.connect(self._save)
        self.ui.buttons.rejected.connect(self.reject)
        c = contact or ContactInput("")
        ln = link or LinkInput(priority=count + 1)
        self.ui.title_.setCurrentText(c.title)
        self.ui.forename.setText(c.forename)
        self.ui.surname.setText(c.surname)
        self.ui.mobile.setText(c.phone_mobile)
        self.ui.home.setText(c.phone_home)
        self.ui.work.setText(c.phone_work)
        self.ui.email.setText(c.email)
        self.ui.address.setPlainText(c.address)
        self.ui.postcode.setText(c.postcode)
        self.ui.relationship.setCurrentText(ln.relationship)
        self.ui.priority.setValue(ln.priority)
        self.ui.pr.setChecked(ln.parental_responsibility)
        self.ui.lives.setChecked(ln.lives_with_pupil)
        self.ui.emergency.setChecked(ln.emergency_contact)

    def values(self) -> tuple[ContactInput, LinkInput]:
        return (ContactInput(
            surname=self.ui.surname.text().strip(), forename=self.ui.forename.text().strip(),
            title=self.ui.title_.currentText().strip(), phone_mobile=self.ui.mobile.text().strip(),
            phone_home=self.ui.home.text().strip(), phone_work=self.ui.work.text().strip(),
            email=self.ui.email.text().strip(), address=self.ui.address.toPlainText().strip(),
            postcode=self.ui.postcode.text().strip()),
            LinkInput(self.ui.relationship.currentText().strip(), self.ui.priority.value(),
                      self.ui.pr.isChecked(), self.ui.lives.isChecked(),
                      self.ui.emergency.isChecked()))

    @Slot()
    def _save(self) -> None:
        contact, link = self.values()
        try:
            if self.link_id is None:
                pupil_contacts.add_contact(self.ctx.engine, self.ctx.actor, self.pupil_id,
                                          contact, link)
            else:
                pupil_contacts.update_contact(self.ctx.engine, self.ctx.actor, self.link_id,
                                             contact, link)
        except ServiceError as exc:
            self.ui.message.show_error(str(exc))
            return
        self.accept()
