"""Settings → Records: who took personal data out (exports, printouts, retention removals)
and who changed pupils' records. Read-only lists with filters; the head's.
Layout: ui/settings/records.ui."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QWidget

from attendance_desktop.gui.flow_layout import reflow
from attendance_desktop.gui.generated.settings.ui_records import Ui_RecordsPage
from attendance_desktop.gui.settings.labels import role_label, value_text
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
    table.resizeColumnsToContents()  # a few hundred rows at most (the lists are limited)


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
        ui.showButton.clicked.connect(self.refresh)
        for combo in (self.kind, self.source):
            combo.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def _range(self) -> tuple[dt.date, dt.date]:
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

    @Slot()
    def refresh(self) -> None:
        start, end = self._range()
        try:
            access = audit_service.list_access(self.ctx.engine, self.ctx.actor,
                                               kind=self.kind.currentData(), start=start,
                                               end=end)
            changes = audit_service.list_pupil_changes(
                self.ctx.engine, self.ctx.actor, source=self.source.currentData(),
                start=start, end=end)
        except ServiceError as exc:
            self.message.show_warning(str(exc)[:1].upper() + str(exc)[1:] + ".")
            _fill(self.access, [])
            _fill(self.changes, [])
            return
        self.message.clear_message()
        _fill(self.access, [(f"{a.at:%d/%m/%Y %H:%M}", KIND_WORDS.get(a.kind, a.kind), a.what,
                             str(a.pupils), a.target, value_text(a.details),
                             f"{a.staff_name} ({role_label(a.staff_role)})")
                            for a in access])
        _fill(self.changes, [(f"{c.at:%d/%m/%Y %H:%M}", c.pupil_name, c.field_label,
                              c.old_value, c.new_value, SOURCE_LABELS.get(c.source, c.source),
                              f"{c.staff_name} ({role_label(c.staff_role)})")
                             for c in changes])
