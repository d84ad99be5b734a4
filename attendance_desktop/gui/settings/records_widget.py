"""Settings → Records: who took personal data out (exports, printouts, retention removals)
and who changed pupils' records. Read-only lists with filters; the head's."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.settings.common import MessageLabel
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.records import audit_service

ACCESS_HEADERS = ["When", "Kind", "What", "Pupils", "File", "Details", "Who"]
CHANGE_HEADERS = ["When", "Pupil", "Field", "Old value", "New value", "From", "Who"]
KIND_LABELS = {"": "All kinds", "export": "Exports", "print": "Printouts",
               "retention": "Retention removals"}
SOURCE_LABELS = {"": "All sources", "editor": "Pupil editor", "import": "Pupil import",
                 "demo": "Demo", "retention": "Retention"}


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


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
        layout = QVBoxLayout(self)
        intro = QLabel("Every export and printout that names pupils (who, what, when, how many"
                       " pupils, which file), retention removals, and every change to a"
                       " pupil's record or contacts. These lists cannot be edited.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        filters = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("accessKind")
        self.kind.setAccessibleName("Kind of access")
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        self.source = QComboBox()
        self.source.setObjectName("changeSource")
        self.source.setAccessibleName("Source of pupil changes")
        for key, label in SOURCE_LABELS.items():
            self.source.addItem(label, key)
        today = ctx.today()
        self.start = QDateEdit(QDate(today.year - 1, today.month, min(today.day, 28)))
        self.start.setObjectName("recordsFrom")
        self.end = QDateEdit(QDate(today.year, today.month, today.day))
        self.end.setObjectName("recordsTo")
        for w in (self.start, self.end):
            w.setCalendarPopup(True)
            w.setDisplayFormat("dd/MM/yyyy")
        show = QPushButton("&Show")
        show.clicked.connect(self.refresh)
        for label, w in (("Exports:", self.kind), ("Pupil changes:", self.source),
                         ("From", self.start), ("to", self.end)):
            filters.addWidget(QLabel(label))
            filters.addWidget(w)
        filters.addWidget(show)
        filters.addStretch(1)
        layout.addLayout(filters)
        self.message = MessageLabel("recordsMessage")
        layout.addWidget(self.message)
        self.lists = QTabWidget()
        self.access = _table("accessLog", ACCESS_HEADERS)
        self.access.setAccessibleName("Exports and printouts")
        self.changes = _table("pupilChanges", CHANGE_HEADERS)
        self.changes.setAccessibleName("Pupil record changes")
        self.lists.addTab(self.access, "Exports and printouts")
        self.lists.addTab(self.changes, "Pupil record changes")
        layout.addWidget(self.lists, 1)
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
        _fill(self.access, [(f"{a.at:%d/%m/%Y %H:%M}", a.kind, a.what, str(a.pupils),
                             a.target, a.details, f"{a.staff_name} ({a.staff_role})")
                            for a in access])
        _fill(self.changes, [(f"{c.at:%d/%m/%Y %H:%M}", c.pupil_name, c.field_label,
                              c.old_value, c.new_value, SOURCE_LABELS.get(c.source, c.source),
                              f"{c.staff_name} ({c.staff_role})") for c in changes])
