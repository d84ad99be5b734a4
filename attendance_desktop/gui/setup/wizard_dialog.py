"""The set-up wizard: from an empty database to a school ready for its first register.

Each page saves through the services when Next is pressed (so Back and Next are safe to
repeat, and the pupil import can find the classes); Finish marks the school as set up.
The pages are Designer forms (ui/setup/*_page.ui); the staff and classes editors and the
pupil import take the application context, so they are placed into their forms here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard, QWizardPage

from attendance_desktop.domain.calendar import academic_year_start, default_term_dates
from attendance_desktop.domain.policy import PRESET_LABELS, PolicyError
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.common import MessageLabel
from attendance_desktop.gui.generated.setup.ui_calendar_page import Ui_CalendarPage
from attendance_desktop.gui.generated.setup.ui_classes_page import Ui_ClassesPage
from attendance_desktop.gui.generated.setup.ui_finish_page import Ui_FinishPage
from attendance_desktop.gui.generated.setup.ui_policy_page import Ui_PolicyPage
from attendance_desktop.gui.generated.setup.ui_pupils_page import Ui_PupilsPage
from attendance_desktop.gui.generated.setup.ui_school_page import Ui_SchoolPage
from attendance_desktop.gui.generated.setup.ui_sessions_page import Ui_SessionsPage
from attendance_desktop.gui.generated.setup.ui_staff_page import Ui_StaffPage
from attendance_desktop.gui.pupils.pupil_dialogs import PupilEditDialog
from attendance_desktop.gui.settings.classes_widget import ClassesEditor
from attendance_desktop.gui.settings.staff_widget import StaffEditor
from attendance_desktop.gui.setup.pupil_import_widget import PupilImportWidget
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pupils import class_service, pupil_service
from attendance_desktop.services.register import calendar_changes
from attendance_desktop.services.school import (
    calendar_service,
    policy_service,
    school_service,
    staff_service,
)

SETUP_ACTOR = Actor("Set-up wizard", Role.SYSTEM)


class _Page(QWizardPage):
    """Each page's title, subtitle and layout are a form in ui/setup/ (`setup(Ui_X())`)."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx

    def setup(self, ui: Any) -> None:
        self.ui = ui
        ui.setupUi(self)
        self.message: MessageLabel = ui.pageMessage

    def fail(self, text: str) -> bool:
        self.message.show_error(text)
        return False


class SchoolPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setup(Ui_SchoolPage())
        self.form = self.ui.form

    def initializePage(self) -> None:
        details = school_service.get_school(self.ctx.engine).details
        if details.name == "New school":
            details = dataclasses.replace(details, name="")
        self.form.load(details)

    def validatePage(self) -> bool:
        return self.form.save(self.ctx)


class PolicyPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setup(Ui_PolicyPage())
        self.editor = self.ui.editor

    def initializePage(self) -> None:
        self.editor.load(policy_service.load_policy(self.ctx.engine))

    def validatePage(self) -> bool:
        try:
            policy = self.editor.policy()
            policy_service.save_policy(self.ctx.engine, self.ctx.actor, policy)
        except (PolicyError, ServiceError) as exc:
            self.editor.message.show_error(f"This policy cannot be saved yet: {exc}.")
            return False
        return True


class CalendarPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setup(Ui_CalendarPage())
        self.editor = self.ui.editor

    def initializePage(self) -> None:
        year = calendar_service.year_containing(self.ctx.engine, self.ctx.today())
        if year is None:
            self.editor.load_dates(default_term_dates(academic_year_start(self.ctx.today())))
            return
        insets = [c.date for c in calendar_service.list_closures(self.ctx.engine, year.start,
                                                                  year.end)
                  if c.kind == "inset" and c.session == "DAY"]
        self.editor.load_year(year, insets)

    def validatePage(self) -> bool:
        if self.editor.problems():
            return False  # the editor already lists them
        try:
            calendar_changes.save_year(self.ctx.engine, self.ctx.actor, self.editor.term_dates(),
                                     self.editor.inset_days())
        except ServiceError as exc:
            self.editor.message.show_error(f"Not saved: {exc}")
            return False
        return True


class SessionsPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setup(Ui_SessionsPage())
        self.form = self.ui.form

    def initializePage(self) -> None:
        self.form.load(policy_service.load_policy(self.ctx.engine))

    def validatePage(self) -> bool:
        try:
            new = self.form.apply_to(policy_service.load_policy(self.ctx.engine))
            policy_service.save_policy(self.ctx.engine, self.ctx.actor, new)
        except (PolicyError, ServiceError) as exc:
            self.form.message.show_error(f"These times break a rule: {exc}.")
            return False
        return True


class StaffPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setup(Ui_StaffPage())
        self.editor = StaffEditor(ctx)  # takes the context: placed in the form's slot
        self.ui.editorSlot.addWidget(self.editor)
        self.editor.changed.connect(self.message.clear_message)

    def initializePage(self) -> None:
        self.editor.refresh()
        if not self.editor.staff:
            role = self.editor.ui.staffRole
            role.setCurrentIndex(role.findData(Role.HEAD.value))
            head = school_service.get_school(self.ctx.engine).details.head_name
            self.editor.ui.staffName.setText(head)

    def validatePage(self) -> bool:
        if not self.editor.has_active_head():
            return self.fail("Add at least one headteacher account with a PIN: only the head"
                             " can change settings and manage staff.")
        return True


class ClassesPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setup(Ui_ClassesPage())
        self.editor = ClassesEditor(ctx)  # takes the context: placed in the form's slot
        self.ui.editorSlot.addWidget(self.editor)
        self.editor.changed.connect(self.message.clear_message)

    def initializePage(self) -> None:
        self.editor.refresh()

    def validatePage(self) -> bool:
        if not class_service.list_classes(self.ctx.engine):
            return self.fail("Add at least one class (type a name and press Add class).")
        return True


class PupilsPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setup(Ui_PupilsPage())
        self.tabs, self.list, self.count = self.ui.tabs, self.ui.list, self.ui.pupilCount
        self.importer = PupilImportWidget(ctx)  # takes the context: its tab is added here
        self.importer.imported.connect(self._refresh)
        self.tabs.insertTab(0, self.importer, "Import from a CSV file")
        self.tabs.setCurrentIndex(0)
        self.ui.addPupilByHand.clicked.connect(self._add_pupil)

    def initializePage(self) -> None:
        self._refresh()

    @Slot()
    def _refresh(self) -> None:
        pupils = pupil_service.list_pupils(self.ctx.engine)
        self.list.clear()
        for p in pupils:
            self.list.addItem(f"{p.name} — {p.class_name or 'no class'}, year {p.year_group}")
        self.count.setText(f"Pupils on roll: {len(pupils)}")

    @Slot()
    def _add_pupil(self) -> None:
        dialog = PupilEditDialog(self.ctx, class_service.list_classes(self.ctx.engine),
                                 parent=self)
        if dialog.exec():
            self._refresh()

    def validatePage(self) -> bool:
        if pupil_service.list_pupils(self.ctx.engine):
            return True
        answer = QMessageBox.question(self, "No pupils yet", "No pupils have been added. Finish"
                                      " setting up anyway and add pupils later (Pupils area)?")
        return answer == QMessageBox.StandardButton.Yes


class FinishPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setup(Ui_FinishPage())
        self.summary = self.ui.setupSummary

    def initializePage(self) -> None:
        e = self.ctx.engine
        school = school_service.get_school(e).details
        policy = policy_service.load_policy(e)
        year = calendar_service.year_containing(e, self.ctx.today())
        years = calendar_service.list_years(e)
        staff = staff_service.list_staff(e, include_inactive=False)
        classes = class_service.list_classes(e)
        pupils = pupil_service.list_pupils(e)
        shown = year or (years[0] if years else None)
        lines = [
            f"<b>School:</b> {school.name}" + (f" (URN {school.urn})" if school.urn else ""),
            f"<b>Policy:</b> {PRESET_LABELS.get(policy.preset, policy.preset)}; target"
            f" {policy.target_pct:g}%",
            f"<b>Registers:</b> morning starts {policy.am.late_after:%H:%M}, closes"
            f" {policy.am.closes:%H:%M}; afternoon starts {policy.pm.late_after:%H:%M},"
            f" closes {policy.pm.closes:%H:%M}",
            f"<b>Academic year:</b> {shown.name} ({shown.start:%d %b %Y} to"
            f" {shown.end:%d %b %Y})" if shown else "<b>Academic year:</b> none",
            f"<b>Staff accounts:</b> {len(staff)} ("
            + ", ".join(f"{s.name} — {s.role.label}" for s in staff[:6])
            + (", …" if len(staff) > 6 else "") + ")",
            f"<b>Classes:</b> {', '.join(c.name for c in classes)}",
            f"<b>Pupils on roll:</b> {len(pupils)}",
        ]
        self.summary.setText("<br><br>".join(lines))

    def validatePage(self) -> bool:
        try:
            school_service.complete_setup(self.ctx.engine, self.ctx.actor)
        except ServiceError as exc:
            return self.fail(str(exc))
        return True


class SetupWizard(QWizard):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Nobody can sign in yet: changes are recorded as made by the set-up wizard.
        self.ctx = dataclasses.replace(ctx, actor=SETUP_ACTOR)
        self.setWindowTitle("Set up your school — Attendance Desktop")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.pages: list[_Page] = [
            SchoolPage(self.ctx), PolicyPage(self.ctx), CalendarPage(self.ctx),
            SessionsPage(self.ctx), StaffPage(self.ctx), ClassesPage(self.ctx),
            PupilsPage(self.ctx), FinishPage(self.ctx),
        ]
        for page in self.pages:
            self.addPage(page)
        self.resize(1180, 720)
