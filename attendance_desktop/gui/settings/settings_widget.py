"""Settings area: one tab per part of the school's set-up, plus the change log
(ui/settings/settings.ui and change_log.ui; the tabs are added here, each page taking
the application context)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QHeaderView, QMessageBox, QTableWidgetItem, QWidget

from attendance_desktop.gui.generated.settings.ui_change_log import Ui_ChangeLogWidget
from attendance_desktop.gui.generated.settings.ui_settings import Ui_SettingsWidget
from attendance_desktop.gui.lazy_page import LazyPage, build_at
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


# (key for Navigator.show_settings and section(), tab title, page class, head only).
# Every page is built the first time its tab is shown (gui/lazy_page.py): opening Settings
# builds one page, not twelve.
SECTIONS: tuple[tuple[str, str, Callable[[AppContext], QWidget], bool], ...] = (
    ("school", "School", SchoolSettingsPage, False),
    ("policy", "Policy", PolicySettingsPage, False),
    ("sessions", "Session times", SessionTimesPage, False),
    ("calendar", "Calendar", CalendarSettingsPage, False),
    ("classes", "Classes", ClassesEditor, False),
    ("staff", "Staff accounts", StaffEditor, True),
    ("backups", "Backups", BackupsPage, False),
    ("mail", "Email", MailSettingsPage, False),
    ("benchmarks", "Benchmarks", BenchmarksPage, False),
    ("log", "Change log", ChangeLogWidget, False),
    # The logs say who looked at which pupils, and removal is the head's: head only.
    ("records", "Records", RecordsPage, True),
    ("retention", "Retention", RetentionPage, True),
)
HEAD_ONLY_TIPS = {"staff": "Only the headteacher can manage staff accounts"}
# A page's signal, and the pages (if built) that read again when it fires: a page built
# later reads the database then anyway.
KNOCK_ON: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("school", "saved", ("log",)), ("policy", "saved", ("log", "retention")),
    ("sessions", "saved", ("log",)), ("calendar", "saved", ("log",)),
    ("classes", "changed", ("log",)), ("staff", "changed", ("log", "classes")),
    ("backups", "saved", ("log",)), ("benchmarks", "saved", ("log",)),
    ("mail", "saved", ("log",)), ("retention", "removed", ("records",)),
)


@runtime_checkable
class Refreshes(Protocol):
    def refresh(self) -> None: ...


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
        self._built: dict[str, QWidget] = {}  # key -> the page (not its wrapper)
        # for links from other areas (Navigator.show_settings): key -> the tab's widget
        self.sections: dict[str, LazyPage] = {}
        for key, title, cls, head_only in SECTIONS:
            tab = LazyPage(partial(self._make, key, cls), margins=key in ("classes", "staff"))
            self.sections[key] = tab
            index = self.tabs.addTab(tab, title)
            if head_only and not ctx.actor.can_manage_staff:
                self.tabs.setTabEnabled(index, False)
                self.tabs.setTabToolTip(index, HEAD_ONLY_TIPS.get(
                    key, "Only the headteacher can see these"))
        self.tabs.currentChanged.connect(self._tab_chosen)

    def section(self, key: str) -> QWidget:
        """One section's page, built now if its tab has not been shown yet."""
        self.sections[key].build()
        return self._built[key]

    def built_section(self, key: str) -> QWidget | None:
        """The page if it has been built, else None (nothing is built)."""
        return self._built.get(key)

    def show_section(self, section: str) -> bool:
        """Bring one section's tab forward; False if there is no such (enabled) tab."""
        tab = self.sections.get(section)
        index = -1 if tab is None else self.tabs.indexOf(tab)
        if tab is None or index < 0 or not self.tabs.isTabEnabled(index):
            return False
        tab.build()
        self.tabs.setCurrentIndex(index)
        return True

    @Slot(int)
    def _tab_chosen(self, index: int) -> None:
        build_at(self.tabs, index)

    def _make(self, key: str, cls: Callable[[AppContext], QWidget]) -> QWidget:
        page = cls(self.ctx)
        self._built[key] = page
        for source, signal, targets in KNOCK_ON:
            if source == key:
                getattr(page, signal).connect(partial(self._read_again, targets))
        if isinstance(page, BackupsPage):
            page.restored.connect(self._restored)
        if key == "calendar":
            return scrolling(page)  # the widest page
        return page

    def _read_again(self, keys: tuple[str, ...], *_: object) -> None:
        for key in keys:
            page = self._built.get(key)
            if isinstance(page, Refreshes):
                page.refresh()

    @Slot(str)
    def _restored(self, text: str) -> None:
        """Every page reads the restored database: the window builds them again."""
        if self.navigator.attached:
            QMessageBox.information(self, "Backup restored", text)
            QTimer.singleShot(0, self.navigator.reload_all)
