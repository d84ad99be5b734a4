"""Settings → Retention: what is past the retention periods; removal by the head only,
after a confirmation naming the counts. Layout: ui/settings/retention.ui."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QMessageBox, QTableWidgetItem, QWidget

from attendance_desktop.domain.roles import Role
from attendance_desktop.domain.wording import counted
from attendance_desktop.gui.generated.settings.ui_retention import Ui_RetentionPage
from attendance_desktop.gui.settings.page_load import PageLoad
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.records import retention_service
from attendance_desktop.services.records.retention_service import RetentionReport


class RetentionPage(QWidget):
    removed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.current: RetentionReport | None = None
        self.ui = Ui_RetentionPage()
        self.ui.setupUi(self)
        self.summary = self.ui.retentionSummary
        self.years = self.ui.retentionYears
        self.leavers = self.ui.retentionLeavers
        self.message = self.ui.retentionMessage
        self.remove_button = self.ui.retentionRemove
        self.remove_button.clicked.connect(self.remove)
        self.loader = PageLoad(self, lambda: None, self._show, self.message,
                               "what is due for removal")
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Count what is due on the serial worker; Remove waits for the count."""
        self.current = None
        self.loader.work = partial(retention_service.report, self.ctx.engine, self.ctx.today())
        self.loader.request()

    def _show(self, r: RetentionReport) -> None:
        self.current = r
        self.summary.setText(
            f"Register entries are kept {r.register_years} years from the date of the entry"
            f" and leavers' personal details {r.leaver_years} years after leaving (Settings →"
            f" Policy). Due now: {counted(r.marks, 'register entry', 'register entries')}"
            f" dated before {r.register_cutoff:%d %B %Y}"
            f" ({counted(r.amendments, 'amendment record', 'amendment records')}), and"
            f" {counted(len(r.leavers), 'leaver', 'leavers')} who left before"
            f" {r.leaver_cutoff:%d %B %Y}"
            + (f"; {counted(r.leavers_held, 'more leaver waits', 'more leavers wait')}"
               " until their register entries are due" if r.leavers_held else "") + ".")
        self.years.setRowCount(len(r.marks_by_year))
        for i, (year, n) in enumerate(r.marks_by_year):
            self.years.setItem(i, 0, QTableWidgetItem(year))
            self.years.setItem(i, 1, QTableWidgetItem(str(n)))
        self.leavers.setRowCount(len(r.leavers))
        for i, x in enumerate(r.leavers):
            for c, text in enumerate((x.name, f"{x.leaving_date:%d/%m/%Y}", str(x.marks))):
                self.leavers.setItem(i, c, QTableWidgetItem(text))
        self.years.resizeColumnToContents(0)
        self.leavers.resizeColumnToContents(0)
        head = self.ctx.actor.role is Role.HEAD
        self.remove_button.setEnabled(head and not r.nothing_due)
        self.remove_button.setToolTip("" if head else "Only the headteacher can remove records")

    @Slot()
    def remove(self) -> None:
        r = self.current
        if r is None or r.nothing_due:
            return
        if QMessageBox.question(
                self, "Remove old records", retention_service.confirmation_text(r),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        try:
            done = retention_service.remove_due(self.ctx.engine, self.ctx.actor,
                                                self.ctx.today(), expected=r,
                                                now=self.ctx.now())
        except ServiceError as exc:
            self.message.show_error(str(exc)[:1].upper() + str(exc)[1:] + ".")
            self.refresh()
            return
        self.message.show_ok(str(done)[:1].upper() + str(done)[1:] + ".")
        self.refresh()
        self.removed.emit()

