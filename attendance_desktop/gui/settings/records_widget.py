"""Settings → Records: who took personal data out (exports, printouts, retention removals)
and who changed pupils' records. Read-only lists with filters; the head's.
Layout: ui/settings/records.ui."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QWidget
from sqlalchemy.engine import Engine

from attendance_desktop.domain.roles import Actor
from attendance_desktop.gui.flow_layout import reflow
from attendance_desktop.gui.generated.settings.ui_records import Ui_RecordsPage
from attendance_desktop.gui.settings.labels import role_label, value_text
from attendance_desktop.gui.settings.page_load import PageLoad
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.records import audit_service

KIND_LABELS = {"": "All kinds", "export": "Exports", "print": "Printouts",
               "retention": "Retention removals"}
KIND_WORDS = {"export": "Export", "print": "Printout", "retention": "Retention removal"}
SOURCE_LABELS = {"": "All sources", "editor": "Pupil editor", "import": "Pupil import",
                 "demo": "Demo", "retention": "Retention"}


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    # widths from the first rows only: measuring all (up to 2,000) held the GUI for seconds
    table.horizontalHeader().setResizeContentsPrecision(200)
    table.resizeColumnsToContents()


def _read(engine: Engine, actor: Actor, kind: str, source: str,
          start: dt.date, end: dt.date) -> tuple[list[Any], list[Any]]:
    """Both logs (on the serial worker; no Qt)."""
    return (audit_service.list_access(engine, actor, kind=kind, start=start, end=end),
            audit_service.list_pupil_changes(engine, actor, source=source, start=start,
                                             end=end))


class RecordsPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.ui = Ui_RecordsPage()
        self.ui.setupUi(self)
        ui = self.ui
        reflow(ui.filters)  # wraps at 125-150% scaling instead of scrolling sideways
        self.kind, self.source = ui.accessKind, ui.changeSource
        self.start, self.end = ui.recordsFrom, ui.recordsTo
        self.message, self.lists = ui.recordsMessage, ui.lists
        self.access, self.changes = ui.accessLog, ui.pupilChanges
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        for key, label in SOURCE_LABELS.items():
            self.source.addItem(label, key)
        today = ctx.today()
        self.start.setDate(QDate(today.year - 1, today.month, min(today.day, 28)))
        self.end.setDate(QDate(today.year, today.month, today.day))
        self.stale = True  # read when first shown
        self.loader = PageLoad(self, lambda: ([], []), self._show, self.message,
                               "the records")
        self.loader.failed.disconnect(self.loader.show_failure)
        self.loader.failed.connect(self._failed)
        ui.showButton.clicked.connect(self.refresh)
        for combo in (self.kind, self.source):
            combo.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def _range(self) -> tuple[dt.date, dt.date]:
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the logs on the serial worker with the filters as they are now; a page not
        shown yet reads when it is first shown (they are long lists, and the head's only)."""
        self.stale = not self.isVisible()
        if self.stale:
            return
        start, end = self._range()
        self.loader.work = partial(_read, self.ctx.engine, self.ctx.actor,
                                   self.kind.currentData(), self.source.currentData(), start,
                                   end)
        self.loader.request()

    def _failed(self) -> None:
        exc = self.loader.error
        if not isinstance(exc, ServiceError):
            self.loader.show_failure()
            return
        self.loader.broken = True  # the line goes when a read succeeds
        self.message.show_warning(str(exc)[:1].upper() + str(exc)[1:] + ".")
        _fill(self.access, [])
        _fill(self.changes, [])
        self.setEnabled(True)  # the filters can be changed and tried again

    def _show(self, read: tuple[list[Any], list[Any]]) -> None:
        access, changes = read
        _fill(self.access, [(f"{a.at:%d/%m/%Y %H:%M}", KIND_WORDS.get(a.kind, a.kind), a.what,
                             str(a.pupils), a.target, value_text(a.details),
                             f"{a.staff_name} ({role_label(a.staff_role)})")
                            for a in access])
        _fill(self.changes, [(f"{c.at:%d/%m/%Y %H:%M}", c.pupil_name, c.field_label,
                              c.old_value, c.new_value, SOURCE_LABELS.get(c.source, c.source),
                              f"{c.staff_name} ({role_label(c.staff_role)})")
                             for c in changes])
