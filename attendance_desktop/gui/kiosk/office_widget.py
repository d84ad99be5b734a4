"""The front-desk page in the main window: open the kiosk, who is on site, the late log,
early leavers and the fire roll."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.live_view import LiveWatcher
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.gui.tables import fill_table, read_only_table
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.kiosk import fire_roll, kiosk_service
from attendance_desktop.services.records import audit_service

if TYPE_CHECKING:  # ReportLab loads when a roll is made, not with the window
    from attendance_desktop.services.kiosk import fire_roll


def _table(headers: list[str], name: str, stretch: int = 0) -> QTableWidget:
    table = read_only_table(headers, name)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    # Keep the service's order (class, then name) until someone clicks a heading.
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.setSortingEnabled(True)
    return table


class KioskOfficeWidget(QWidget):
    """Office staff's view of the front desk (read-only except the fire roll file)."""

    def __init__(self, ctx: AppContext, navigator: Navigator | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.last_fire_roll: fire_roll.FireRoll | None = None
        layout = QVBoxLayout(self)
        heading = QLabel("<h2>Front desk: late arrivals, who is on site, fire roll</h2>")
        layout.addWidget(heading)

        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open kiosk (full screen)")
        self.open_button.setToolTip("Show the sign-in kiosk full screen; a staff PIN closes it")
        self.open_button.setAccessibleName("Open the sign-in kiosk full screen")
        self.open_button.clicked.connect(self.open_kiosk)
        self.fire_button = QPushButton("Fire roll (PDF)")
        self.fire_button.setToolTip("Who is on site now, by class with a tick column, to print")
        self.fire_button.setAccessibleName("Make the fire roll PDF")
        self.fire_button.clicked.connect(self.make_fire_roll)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setShortcut("F5")
        self.refresh_button.setToolTip("Read the lists again (F5)")
        self.refresh_button.setAccessibleName("Refresh the lists")
        self.refresh_button.clicked.connect(self.refresh)
        for b in (self.open_button, self.fire_button, self.refresh_button):
            b.setMinimumHeight(36)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.summary = QLabel()
        self.summary.setAccessibleName("Front desk summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.tabs = QTabWidget()
        self.on_site_table = _table(["Pupil", "Class", "Status", "Signed in", "Back"],
                                    "Pupils on site now")
        self.tabs.addTab(self.on_site_table, "On site now")

        log_page = QWidget()
        log_layout = QVBoxLayout(log_page)
        filters = QHBoxLayout()
        today = QDate(self.ctx.today())
        self.from_date = QDateEdit(today.addDays(-6))
        self.to_date = QDateEdit(today)
        for edit, name in ((self.from_date, "Late log from"), (self.to_date, "Late log to")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self.refresh_log)
        self.class_combo = QComboBox()
        self.class_combo.setAccessibleName("Late log class")
        self.class_combo.addItem("All classes", None)
        for c in kiosk_service.list_classes(ctx.engine):
            self.class_combo.addItem(c.name, c.id)
        self.class_combo.currentIndexChanged.connect(self.refresh_log)
        filters.addWidget(QLabel("From"))
        filters.addWidget(self.from_date)
        filters.addWidget(QLabel("to"))
        filters.addWidget(self.to_date)
        filters.addWidget(QLabel("Class"))
        filters.addWidget(self.class_combo)
        filters.addStretch(1)
        self.log_note = QLabel()
        filters.addWidget(self.log_note)
        log_layout.addLayout(filters)
        self.log_table = _table(["Date", "Time", "Pupil", "Class", "Minutes late", "Reason",
                                 "Code", "Brought by"], "Late log", stretch=5)
        log_layout.addWidget(self.log_table)
        self.tabs.addTab(log_page, "Late log")

        self.leavers_table = _table(["Pupil", "Class", "Out", "Reason", "Collected by",
                                     "Back"], "Signed out today", stretch=3)
        self.tabs.addTab(self.leavers_table, "Signed out today")
        layout.addWidget(self.tabs, 1)
        # Kiosk sign-ins and marks from other PCs show within seconds (see live_view).
        self.live = LiveWatcher(ctx.engine, self)
        self.live.changed.connect(self.refresh_live)
        # Who is on site is read on the serial worker (~0.4 s at 2,000 pupils).
        self.loader = BackgroundLoad(self, self._read)
        self.loader.loaded.connect(self._show)
        self.loader.failed.connect(self._load_failed)
        self.summary.setText("Loading who is on site…")
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the lists again: on site and signed out off the GUI thread, the late log
        (one filtered range) here."""
        self.live.baseline()  # before reading: later changes are seen by the next poll
        self.loader.request()
        self.refresh_log()

    def _read(self) -> tuple[object, ...]:
        """On the worker: the time, who is on site, who left early, how many came late."""
        now = self.ctx.now()
        return (now, kiosk_service.on_site(self.ctx.engine, now),
                kiosk_service.early_leavers(self.ctx.engine, now.date()),
                len(kiosk_service.late_log(self.ctx.engine, now.date(), now.date())))

    @Slot()
    def _load_failed(self) -> None:
        error = self.loader.error
        self.summary.setText(str(error) if isinstance(error, ServiceError)
                             else "The front desk lists could not be read: see the log.")

    @Slot()
    def _show(self) -> None:
        now, on_site, leavers, late_today = self.loader.result
        tables = (self.on_site_table, self.leavers_table)
        where = [t.verticalScrollBar().value() for t in tables]  # kept across a re-read
        fill_table(self.on_site_table, [
            [r.name, r.class_name, r.status, f"{r.arrived:%H:%M}" if r.arrived else "",
             f"{r.returned:%H:%M}" if r.returned else ""] for r in on_site])
        fill_table(self.leavers_table, [
            [r.name, r.class_name, f"{r.out_at:%H:%M}", r.reason, r.collected_by,
             f"{r.back_at:%H:%M}" if r.back_at else "not back"] for r in leavers])
        for t, value in zip(tables, where, strict=True):
            t.verticalScrollBar().setValue(value)
        still_out = sum(1 for r in leavers if r.back_at is None)
        self.summary.setText(
            f"{now:%A %d %B %Y, %H:%M} · on site now: <b>{len(on_site)}</b> · signed in late"
            f" at the kiosk today: <b>{late_today}</b> · signed out today: <b>{len(leavers)}"
            f"</b> (still out: {still_out})")
        self.tabs.setTabText(0, f"On site now ({len(on_site)})")
        self.tabs.setTabText(2, f"Signed out today ({len(leavers)})")

    @Slot()
    def refresh_live(self) -> None:
        """Another writer (the kiosk, another PC) changed something: read the lists again,
        keeping where each was scrolled."""
        where = self.log_table.verticalScrollBar().value()
        try:
            self.refresh()
        except ServiceError:
            return
        self.log_table.verticalScrollBar().setValue(where)

    @Slot()
    def refresh_log(self) -> None:
        start = self.from_date.date().toPython()
        end = self.to_date.date().toPython()
        try:
            rows = kiosk_service.late_log(self.ctx.engine, start, end,
                                          self.class_combo.currentData())
        except ServiceError as exc:
            self.log_note.setText(str(exc).capitalize())
            fill_table(self.log_table, [])
            return
        self.log_note.setText(f"{len(rows)} late arrival{'s' if len(rows) != 1 else ''}")
        fill_table(self.log_table, [
            [f"{r.date:%d/%m/%Y}", f"{r.time:%H:%M}", r.name, r.class_name,
             str(r.minutes_late), r.reason, r.code, r.accompanied_by] for r in rows])

    @Slot()
    def open_kiosk(self) -> None:
        self.navigator.open_kiosk()

    @Slot()
    def make_fire_roll(self) -> None:
        self.last_fire_roll = make_fire_roll(self, self.ctx)
        self.refresh()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.refresh()



def make_fire_roll(parent: QWidget, ctx: AppContext) -> fire_roll.FireRoll | None:
    """Write the fire roll PDF to letters/reports and offer to open it for printing."""
    from attendance_desktop.services.kiosk import fire_roll

    now = ctx.now()
    path = fire_roll.default_path(ctx.paths.letters_dir / "reports", now)
    try:
        roll = fire_roll.build(ctx.engine, now, path)
    except (ServiceError, OSError) as exc:
        QMessageBox.warning(parent, "Fire roll", f"The fire roll could not be made: {exc}")
        return None
    audit_service.record_export(ctx.engine, ctx.actor, "fire roll", roll.on_site + roll.still_out,
                                roll.path,
                                kind="print", at=now)
    answer = QMessageBox.question(
        parent, "Fire roll",
        f"Fire roll saved: {roll.on_site} on site, {roll.late_today} late today,"
        f" {roll.early_leavers} signed out today ({roll.still_out} still out).\n\n"
        f"{roll.path}\n\nOpen it now to print?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes)
    if answer == QMessageBox.StandardButton.Yes:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(roll.path)))
    return roll


class FireRollButton(QPushButton):
    """For the main window's status bar: the fire roll one click away on every page."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Fire roll", parent)
        self.ctx = ctx
        self.setToolTip("Print who is on site now, by class (Ctrl+Shift+F)")
        self.setAccessibleName("Make the fire roll PDF")
        self.setIcon(theme.icon("fire"))
        self.setShortcut("Ctrl+Shift+F")
        self.clicked.connect(self._make)

    @Slot()
    def _make(self) -> None:
        make_fire_roll(self.window(), self.ctx)
