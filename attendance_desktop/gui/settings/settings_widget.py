"""Settings area: one tab per part of the school's set-up, plus the change log."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.settings.backups_widget import BackupsPage
from attendance_desktop.gui.settings.benchmarks_widget import BenchmarksPage
from attendance_desktop.gui.settings.calendar_widget import CalendarSettingsPage
from attendance_desktop.gui.settings.classes_widget import ClassesEditor
from attendance_desktop.gui.settings.common import MessageLabel, heading
from attendance_desktop.gui.settings.mail_widget import MailSettingsPage
from attendance_desktop.gui.settings.policy_widget import PolicySettingsPage
from attendance_desktop.gui.settings.records_widget import RecordsPage
from attendance_desktop.gui.settings.retention_widget import RetentionPage
from attendance_desktop.gui.settings.school_widget import SchoolSettingsPage
from attendance_desktop.gui.settings.session_times_widget import SessionTimesPage
from attendance_desktop.gui.settings.staff_widget import StaffEditor
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.school import school_service


class ChangeLogWidget(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("changeLog")
        self.table.setAccessibleName("Settings change log")
        self.table.setHorizontalHeaderLabels(["When", "Area", "Setting", "Old value",
                                              "New value", "Who"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for col in (3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        refresh = QPushButton("&Refresh")
        refresh.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        rows = school_service.recent_changes(self.ctx.engine)
        self.table.setRowCount(len(rows))
        for r, c in enumerate(rows):
            values = (f"{c.at:%d/%m/%Y %H:%M}", c.area, c.key, c.old, c.new,
                      f"{c.staff_name} ({c.staff_role})")
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, col, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.table.setColumnWidth(2, 200)


class SettingsWidget(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Settings", "settingsHeading"))
        self.notice = MessageLabel("settingsNotice")
        if not ctx.actor.can_edit_settings:
            self.notice.show_warning("Only the headteacher can change settings; you can look"
                                     " at them here.")
        layout.addWidget(self.notice)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        self.school = SchoolSettingsPage(ctx)
        self.policy = PolicySettingsPage(ctx)
        self.sessions = SessionTimesPage(ctx)
        self.calendar = CalendarSettingsPage(ctx)
        self.classes = ClassesEditor(ctx)
        self.staff = StaffEditor(ctx)
        self.log = ChangeLogWidget(ctx)
        self.backups = BackupsPage(ctx)
        self.benchmarks = BenchmarksPage(ctx)
        self.mail = MailSettingsPage(ctx)
        classes_page = QWidget()
        QVBoxLayout(classes_page).addWidget(self.classes)
        staff_page = QWidget()
        QVBoxLayout(staff_page).addWidget(self.staff)
        for page, title in ((self.school, "School"), (self.policy, "Policy"),
                            (self.sessions, "Session times"), (self.calendar, "Calendar"),
                            (classes_page, "Classes"), (staff_page, "Staff accounts"),
                            (self.backups, "Backups"), (self.mail, "Email"),
                            (self.benchmarks, "Benchmarks"),
                            (self.log, "Change log")):
            self.tabs.addTab(page, title)
        if not ctx.actor.can_manage_staff:
            self.tabs.setTabEnabled(5, False)
            self.tabs.setTabToolTip(5, "Only the headteacher can manage staff accounts")
        for signal in (self.school.saved, self.policy.saved, self.sessions.saved,
                       self.calendar.saved, self.classes.changed, self.staff.changed,
                       self.backups.saved, self.benchmarks.saved, self.mail.saved):
            signal.connect(self.log.refresh)
        self.staff.changed.connect(self.classes.refresh)
        self._add_records_tabs(ctx)
        layout.addWidget(self.tabs, 1)

    def _add_records_tabs(self, ctx: AppContext) -> None:
        # The logs say who looked at which pupils, and removal is the head's: head only.
        self.records = RecordsPage(ctx)
        self.retention = RetentionPage(ctx)
        self.retention.removed.connect(self.records.refresh)
        self.policy.saved.connect(self.retention.refresh)
        for page, title in ((self.records, "Records"), (self.retention, "Retention")):
            index = self.tabs.addTab(page, title)
            if not ctx.actor.can_manage_staff:
                self.tabs.setTabEnabled(index, False)
                self.tabs.setTabToolTip(index, "Only the headteacher can see these")
