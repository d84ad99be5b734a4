"""The set-up wizard: from an empty database to a school ready for its first register.

Each page saves through the services when Next is pressed (so Back and Next are safe to
repeat, and the pupil import can find the classes); Finish marks the school as set up.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from attendance_desktop.domain.calendar import academic_year_start, default_term_dates
from attendance_desktop.domain.policy import PRESET_LABELS, PolicyError
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.pupils.pupil_dialogs import PupilEditDialog
from attendance_desktop.gui.settings.calendar_widget import TermDatesEditor
from attendance_desktop.gui.settings.classes_widget import ClassesEditor
from attendance_desktop.gui.settings.common import MessageLabel, hint
from attendance_desktop.gui.settings.policy_widget import PolicyEditor
from attendance_desktop.gui.settings.school_widget import SchoolDetailsForm
from attendance_desktop.gui.settings.session_times_widget import SessionTimesForm
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
    def __init__(self, ctx: AppContext, title: str, subtitle: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.message = MessageLabel("pageMessage")
        self.body = QVBoxLayout(self)

    def fail(self, text: str) -> bool:
        self.message.show_error(text)
        return False


class SchoolPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "1. Your school", "The school's details appear on letters and"
                         " reports. Only the name is required now; the rest can be added"
                         " later in Settings.")
        self.form = SchoolDetailsForm()
        self.body.addWidget(self.form)
        self.body.addStretch(1)

    def initializePage(self) -> None:
        details = school_service.get_school(self.ctx.engine).details
        if details.name == "New school":
            details = dataclasses.replace(details, name="")
        self.form.load(details)

    def validatePage(self) -> bool:
        return self.form.save(self.ctx)


class PolicyPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "2. Attendance policy", "Choose the model policy closest to"
                         " yours and press 'Use this preset', then adjust any setting. Session"
                         " times come next.")
        self.editor = PolicyEditor()
        self.body.addWidget(self.editor, 1)

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
        super().__init__(ctx, "3. Term dates", "Typical dates are filled in: change them to"
                         " your school's dates. England's bank holidays are closed"
                         " automatically; add your INSET days.")
        self.editor = TermDatesEditor()
        self.body.addWidget(self.editor, 1)

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
        super().__init__(ctx, "4. Session times", "When the morning and afternoon registers"
                         " open, start and close.")
        self.form = SessionTimesForm()
        self.body.addWidget(self.form)
        self.body.addStretch(1)

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
        super().__init__(ctx, "5. Staff accounts", "Everyone signs in with their own PIN."
                         " Add the headteacher first, then office staff, teachers and"
                         " read-only accounts (more can be added later).")
        self.editor = StaffEditor(ctx)
        self.editor.changed.connect(self.message.clear_message)
        self.body.addWidget(self.editor, 1)
        self.body.addWidget(self.message)

    def initializePage(self) -> None:
        self.editor.refresh()
        if not self.editor.staff:
            self.editor.role.setCurrentIndex(self.editor.role.findData(Role.HEAD.value))
            head = school_service.get_school(self.ctx.engine).details.head_name
            self.editor.name.setText(head)

    def validatePage(self) -> bool:
        if not self.editor.has_active_head():
            return self.fail("Add at least one headteacher account with a PIN: only the head"
                             " can change settings and manage staff.")
        return True


class ClassesPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "6. Classes", "Add each class, its teacher and the order to list"
                         " them in.")
        self.editor = ClassesEditor(ctx)
        self.editor.changed.connect(self.message.clear_message)
        self.body.addWidget(self.editor, 1)
        self.body.addWidget(self.message)

    def initializePage(self) -> None:
        self.editor.refresh()

    def validatePage(self) -> bool:
        if not class_service.list_classes(self.ctx.engine):
            return self.fail("Add at least one class (type a name and press Add class).")
        return True


class PupilsPage(_Page):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "7. Pupils", "Import pupils from a CSV file exported from your"
                         " MIS, or add them by hand. Every problem in the file is shown before"
                         " anything is saved.")
        self.tabs = QTabWidget()
        self.importer = PupilImportWidget(ctx)
        self.importer.imported.connect(self._refresh)
        by_hand = QWidget()
        self.list = QListWidget()
        self.list.setAccessibleName("Pupils on roll")
        add = QPushButton("&Add a pupil…")
        add.setObjectName("addPupilByHand")
        add.clicked.connect(self._add_pupil)
        hand = QVBoxLayout(by_hand)
        hand.addWidget(hint("Pupils added so far (from the file or by hand):"))
        hand.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addStretch(1)
        hand.addLayout(row)
        self.tabs.addTab(self.importer, "Import from a CSV file")
        self.tabs.addTab(by_hand, "Add by hand")
        self.count = QLabel("")
        self.count.setObjectName("pupilCount")
        self.body.addWidget(self.tabs, 1)
        self.body.addWidget(self.count)

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
        super().__init__(ctx, "8. Ready", "Check the summary, then press Finish to open the"
                         " registers.")
        self.summary = QLabel("")
        self.summary.setObjectName("setupSummary")
        self.summary.setWordWrap(True)
        self.body.addWidget(self.summary)
        self.body.addStretch(1)
        self.body.addWidget(self.message)

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
