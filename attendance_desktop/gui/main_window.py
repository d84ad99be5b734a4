"""The main window: a navigation list on the left, one page per area on the right."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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
from attendance_desktop.gui.navigator import AREAS, Navigator, load
from attendance_desktop.gui.scrolling import scrolling
from attendance_desktop.services.context import AppContext

if TYPE_CHECKING:
    from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow

MINIMUM_SIZE = (880, 440)

PageFactory = Callable[[AppContext, Navigator], QWidget]


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
        self.navigator = Navigator(ctx, self)  # how pages open one another
        self.kiosk: KioskWindow | None = None
        for number, area in enumerate(AREAS, start=1):
            item = QListWidgetItem(theme.icon(area.icon), area.label)
            shortcut = f"Ctrl+{number}"
            item.setToolTip(f"{area.tip} ({shortcut})")
            self.nav.addItem(item)
            self.pages.addWidget(QWidget())  # built, and its module imported, on first visit
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
        from attendance_desktop.gui.auto_backup import AutoBackup
        from attendance_desktop.gui.kiosk.office_widget import FireRollButton
        from attendance_desktop.gui.mail.pump import MailPump
        from attendance_desktop.gui.register_check import WeeklyCheck

        self.statusBar().addPermanentWidget(FireRollButton(ctx))  # one click from any page
        self._restore_geometry()
        self._build_view_menu()
        self._build_help_menu()
        self.auto_backup = AutoBackup(ctx, self)  # on start, every few minutes, on quit
        self.weekly_check = WeeklyCheck(ctx, self)  # the register check, when a week old
        self.weekly_check.finished.connect(self._register_checked)
        self.mail_pump = MailPump(ctx, self)  # sends the email outbox every minute
        self.navigator.mail_pump = self.mail_pump

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
        """The row of an area, by its label ("Pupils") or key ("pupils")."""
        for index, area in enumerate(AREAS):
            if name in (area.label, area.key):
                return index
        raise ValueError(name)

    def show_area_key(self, key: str) -> QWidget | None:
        """For the navigator: switch to the area and return its page."""
        self.show_area(self.area_index(key))
        return self.current_page()

    @Slot(int)
    def show_area(self, index: int) -> None:
        if index < 0:
            return
        if index not in self._built:
            factory: PageFactory = load(AREAS[index].factory)
            page = factory(self.ctx, self.navigator)
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
        """Switch to Pupils and open this pupil's profile."""
        self.navigator.show_pupil(pupil_id)

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

        if self.kiosk is not None:
            self.kiosk.activateWindow()
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
        from attendance_desktop.gui.today_widget import TodayWidget

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
