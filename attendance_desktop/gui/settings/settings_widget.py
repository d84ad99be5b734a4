"""Settings area: one tab per part of the school's set-up, plus the change log
(ui/settings/settings.ui and change_log.ui; the tabs are added here, each page taking
the application context)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QHeaderView, QMessageBox, QTableWidgetItem, QVBoxLayout, QWidget

from attendance_desktop.gui.generated.settings.ui_change_log import Ui_ChangeLogWidget
from attendance_desktop.gui.generated.settings.ui_settings import Ui_SettingsWidget
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.gui.scrolling import scrolling
from attendance_desktop.gui.settings import labels
from attendance_desktop.gui.settings.backups_widget import BackupsPage
from attendance_desktop.gui.settings.benchmarks_widget import BenchmarksPage
from attendance_desktop.gui.settings.calendar_widget import CalendarSettingsPage
from attendance_desktop.gui.settings.classes_widget import ClassesEditor
from attendance_desktop.gui.settings.mail_widget import MailSettingsPage
from attendance_desktop.gui.settings.page_load import PageLoad
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
        self.ui = Ui_ChangeLogWidget()
        self.ui.setupUi(self)
        self.table = self.ui.changeLog
        header = self.table.horizontalHeader()
        for col in (3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.ui.refreshButton.clicked.connect(self.refresh)
        self.loader = PageLoad(self, partial(school_service.recent_changes, ctx.engine),
                               self._show, self.ui.changeLogMessage, "the change log")
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the log again on the serial worker (after every save on the other tabs)."""
        self.loader.request()

    def _show(self, rows: list[school_service.ChangeInfo]) -> None:
        self.table.setRowCount(len(rows))
        for r, c in enumerate(rows):
            # Words, not the stored keys and JSON (gui/settings/labels.py).
            values = (f"{c.at:%d/%m/%Y %H:%M}", labels.area_label(c.area),
                      labels.setting_label(c.area, c.key), labels.value_text(c.old),
                      labels.value_text(c.new),
                      f"{c.staff_name} ({labels.role_label(c.staff_role)})")
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, col, item)
        for col in (0, 1, 2, 5):
            self.table.resizeColumnToContents(col)
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), 320))


class SettingsWidget(QWidget):
    def __init__(self, ctx: AppContext, navigator: Navigator | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.ui = Ui_SettingsWidget()
        self.ui.setupUi(self)
        self.notice = self.ui.settingsNotice
        if not ctx.actor.can_edit_settings:
            self.notice.show_warning("Only the headteacher can change settings; you can look"
                                     " at them here.")
        self.tabs = self.ui.tabs
        self.school = SchoolSettingsPage(ctx)
        self.policy = PolicySettingsPage(ctx)
        self.sessions = SessionTimesPage(ctx)
        self.calendar = CalendarSettingsPage(ctx)
        self.classes = ClassesEditor(ctx)
        self.staff = StaffEditor(ctx)
        self.log = ChangeLogWidget(ctx)
        self.backups = BackupsPage(ctx)
        self.backups.restored.connect(self._restored)
        self.benchmarks = BenchmarksPage(ctx)
        self.mail = MailSettingsPage(ctx)
        classes_page = QWidget()
        QVBoxLayout(classes_page).addWidget(self.classes)
        staff_page = QWidget()
        QVBoxLayout(staff_page).addWidget(self.staff)
        calendar_tab = scrolling(self.calendar)  # the widest page
        for page, title in ((self.school, "School"), (self.policy, "Policy"),
                            (self.sessions, "Session times"), (calendar_tab, "Calendar"),
                            (classes_page, "Classes"), (staff_page, "Staff accounts"),
                            (self.backups, "Backups"), (self.mail, "Email"),
                            (self.benchmarks, "Benchmarks"),
                            (self.log, "Change log")):
            self.tabs.addTab(page, title)
        # for links from other areas (Navigator.show_settings)
        self.sections: dict[str, QWidget] = {
            "school": self.school, "policy": self.policy, "sessions": self.sessions,
            "calendar": calendar_tab, "classes": classes_page, "staff": staff_page,
            "backups": self.backups, "mail": self.mail, "benchmarks": self.benchmarks,
            "log": self.log}
        if not ctx.actor.can_manage_staff:
            self.tabs.setTabEnabled(5, False)
            self.tabs.setTabToolTip(5, "Only the headteacher can manage staff accounts")
        for signal in (self.school.saved, self.policy.saved, self.sessions.saved,
                       self.calendar.saved, self.classes.changed, self.staff.changed,
                       self.backups.saved, self.benchmarks.saved, self.mail.saved):
            signal.connect(self.log.refresh)
        self.staff.changed.connect(self.classes.refresh)
        self._add_records_tabs(ctx)

    def show_section(self, section: str) -> bool:
        """Bring one section's tab forward; False if there is no such (enabled) tab."""
        page = self.sections.get(section)
        index = -1 if page is None else self.tabs.indexOf(page)
        if index < 0 or not self.tabs.isTabEnabled(index):
            return False
        self.tabs.setCurrentIndex(index)
        return True

    @Slot(str)
    def _restored(self, text: str) -> None:
        """Every page reads the restored database: the window builds them again."""
        if self.navigator.attached:
            QMessageBox.information(self, "Backup restored", text)
            QTimer.singleShot(0, self.navigator.reload_all)

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
