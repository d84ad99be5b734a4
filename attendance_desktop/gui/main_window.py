"""The main window: a navigation list on the left, one page per area on the right."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, QSize, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from attendance_desktop import APP_NAME
from attendance_desktop.domain.roles import Actor
from attendance_desktop.gui import theme
from attendance_desktop.gui.auto_backup import AutoBackup
from attendance_desktop.gui.kiosk.office_widget import FireRollButton, KioskOfficeWidget
from attendance_desktop.gui.leave.leave_widget import LeaveWidget
from attendance_desktop.gui.letters.letters_widget import LettersWidget
from attendance_desktop.gui.mail.pump import MailPump
from attendance_desktop.gui.pupils.pupils_widget import PupilsWidget
from attendance_desktop.gui.register.register_widget import RegisterWidget
from attendance_desktop.gui.register_check import WeeklyCheck
from attendance_desktop.gui.reports.reports_widget import ReportsWidget
from attendance_desktop.gui.scrolling import scrolling
from attendance_desktop.gui.settings.settings_widget import SettingsWidget
from attendance_desktop.gui.today_widget import TodayWidget
from attendance_desktop.gui.trackers.board_widget import TrackersWidget
from attendance_desktop.services.context import AppContext

PageFactory = Callable[[AppContext], QWidget]
MINIMUM_SIZE = (880, 440)


# (name, tooltip, page factory); Ctrl+1 .. Ctrl+9 follow this order.
AREAS: list[tuple[str, str, PageFactory]] = [
    ("Today", "Today's registers, absences to chase and figures", TodayWidget),
    ("Register", "Take and correct the registers", RegisterWidget),
    ("Kiosk", "Front desk: open the sign-in kiosk, late log, who is on site, fire roll",
     KioskOfficeWidget),
    ("Leave", "Leave of absence requests and decisions", LeaveWidget),
    ("Trackers", "Lateness and absence escalation: who needs what next", TrackersWidget),
    ("Letters", "Letters and printing", LettersWidget),
    ("Pupils", "Pupils and contacts", PupilsWidget),
    ("Reports", "Attendance reports for staff and governors: half term, term, year",
     ReportsWidget),
    ("Settings", "School, policy, calendar and staff settings", SettingsWidget),
]


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        theme.ensure_applied()
        self.ctx = ctx
        self.setWindowTitle(APP_NAME)
        # Fits 1366x768 at 150% scaling (911x512 logical pixels, less the title bar).
        self.setMinimumSize(*MINIMUM_SIZE)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Areas")
        self.nav.setFixedWidth(150)
        self.nav.setIconSize(QSize(20, 20))
        self.pages = QStackedWidget()
        self._factories: list[PageFactory] = []
        for number, (name, tip, factory) in enumerate(AREAS, start=1):
            item = QListWidgetItem(theme.icon(name.lower()), name)
            shortcut = f"Ctrl+{number}"
            item.setToolTip(f"{tip} ({shortcut})")
            self.nav.addItem(item)
            self.pages.addWidget(QWidget())  # built on first visit
            self._factories.append(factory)
            action = QAction(self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(self._go_to_shortcut)
            action.setData(number - 1)
            self.addAction(action)
        self._built: set[int] = set()
        self._page_of: dict[int, QWidget] = {}  # the page inside each area's scroll area
        layout.addWidget(self.nav)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self.show_area)
        self.nav.setCurrentRow(0)
        self.statusBar().showMessage(self._status_text())
        self.statusBar().addPermanentWidget(FireRollButton(ctx))  # one click from any page
        self._restore_geometry()
        self._build_view_menu()
        self._build_help_menu()
        self.auto_backup = AutoBackup(ctx, self)  # on start, every few minutes, on quit
        self.weekly_check = WeeklyCheck(ctx, self)  # the register check, when a week old
        self.weekly_check.finished.connect(self._register_checked)
        self.mail_pump = MailPump(ctx, self)  # sends the email outbox every minute

    def _build_view_menu(self) -> None:
        """View → Colours: as the computer, light or dark (kept for this user)."""
        menu = self.menuBar().addMenu("&View").addMenu("&Colours")
        group = QActionGroup(self)
        chosen = theme.chosen_theme()
        for name in theme.THEMES:
            action = menu.addAction(theme.THEME_LABELS[name])
            action.setCheckable(True)
            action.setChecked(name == chosen)
            action.setData(name)
            group.addAction(action)
        group.triggered.connect(self._choose_theme)

    @Slot(QAction)
    def _choose_theme(self, action: QAction) -> None:
        theme.save_theme(str(action.data()))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, str(action.data()))
            for page in self._page_of.values():
                page.update()

    def _build_help_menu(self) -> None:
        menu = self.menuBar().addMenu("&Help")
        guide = menu.addAction("User &guide")
        guide.setShortcut(QKeySequence(Qt.Key.Key_F1))
        guide.setIcon(theme.icon("help"))
        guide.triggered.connect(self.show_help)
        about = menu.addAction(f"&About {APP_NAME}")
        about.triggered.connect(self.show_about)
        self.help_window: QWidget | None = None

    @Slot()
    def show_help(self) -> None:
        from attendance_desktop.gui.help_dialog import HelpWindow
        from attendance_desktop.gui.single_instance import bring_forward

        if self.help_window is None:
            self.help_window = HelpWindow(self)
        bring_forward(self.help_window)

    @Slot()
    def show_about(self) -> None:
        from attendance_desktop.gui.about_dialog import AboutDialog

        AboutDialog(self.ctx.paths, self).exec()

    def _status_text(self) -> str:
        where = self.ctx.paths.sqlite_file or self.ctx.paths.db_url.split("@")[-1]
        return f"Signed in as {self.ctx.actor.name} ({self.ctx.actor.role.label}) · data: {where}"

    def area_index(self, name: str) -> int:
        return [a[0] for a in AREAS].index(name)

    @Slot(int)
    def show_area(self, index: int) -> None:
        if index < 0:
            return
        if index not in self._built:
            page = self._factories[index](self.ctx)
            old = self.pages.widget(index)
            self.pages.removeWidget(old)
            old.deleteLater()
            self.pages.insertWidget(index, scrolling(page))
            self._page_of[index] = page
            self._built.add(index)
        self.pages.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)

    @Slot()
    def _go_to_shortcut(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.show_area(int(action.data()))

    def show_pupil(self, pupil_id: int) -> None:
        """Switch to Pupils and open this pupil's profile (for links from other pages)."""
        self.show_area(self.area_index("Pupils"))
        page = self.current_page()
        if isinstance(page, PupilsWidget):
            page.show_pupil(pupil_id)

    def current_page(self) -> QWidget:
        return self._page_of.get(self.pages.currentIndex(), self.pages.currentWidget())

    @Slot()
    def rebuild_for_user(self) -> None:
        """Another member of staff signed in (idle lock): rebuild pages for their role."""
        current = max(0, self.pages.currentIndex())
        for index in sorted(self._built):
            old = self.pages.widget(index)
            self.pages.removeWidget(old)
            old.deleteLater()
            self.pages.insertWidget(index, QWidget())
        self._built.clear()
        self._page_of.clear()
        self.show_area(current)
        self.statusBar().showMessage(self._status_text())

    def open_kiosk(self) -> None:
        """Show the kiosk full screen, hiding this window so pupils cannot switch to it.

        A staff PIN closes the kiosk: from the main window it comes back here; started with
        `attendance-desktop kiosk` (this window never shown) the app quits instead, so the
        kiosk never leads to a signed-in main window.
        """
        from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow

        kiosk = getattr(self, "kiosk", None)
        if kiosk is not None:
            kiosk.activateWindow()
            return
        self._return_from_kiosk = self.isVisible()
        self.kiosk = KioskWindow(self.ctx)
        self.kiosk.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.kiosk.kioskClosed.connect(self._kiosk_closed)
        self.hide()
        self.kiosk.showFullScreen()

    @Slot()
    def _kiosk_closed(self) -> None:
        kiosk, self.kiosk = self.kiosk, None
        if kiosk is not None:
            kiosk.deleteLater()
            # Leaving the kiosk with a PIN signs in as that person (not whoever opened it).
            actor = kiosk.unlocked_by
            if (self._return_from_kiosk and isinstance(actor, Actor)
                    and actor.staff_id is not None and actor != self.ctx.actor):
                self.ctx.actor = actor
                self.rebuild_for_user()
        if self._return_from_kiosk:
            self.show()
            self.raise_()
            self.activateWindow()

    @Slot(object)
    def _register_checked(self, _outcome: object) -> None:
        for page in self._page_of.values():  # the Today board's line, if it is built
            if isinstance(page, TodayWidget):
                page.check_line.refresh()

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            size = QSize(1280, 760)
            screen = self.screen()
            if screen is not None:  # a first start on a small screen: fit it
                size = size.boundedTo(screen.availableGeometry().size() - QSize(16, 48))
            self.resize(size.expandedTo(self.minimumSize()))

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        QSettings().setValue("main_window/geometry", self.saveGeometry())
        self.weekly_check.stop()
        self.auto_backup.at_quit()
        super().closeEvent(event)


__all__ = ["AREAS", "MainWindow", "Qt"]
