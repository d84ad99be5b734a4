"""The letters log: every letter sent, filtered by type, dates and pupil; the kept PDFs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.column_widths import fit_columns
from attendance_desktop.gui.flow_layout import flow_row, pair
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.letters import letter_service, template_store
from attendance_desktop.services.mail import outbox

COLUMNS = ("Sent on", "Letter", "Pupils", "Addressed to", "Sent by", "How sent")


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class LetterLogWidget(QWidget):
    """All letters sent; with `pupil_id`, only that pupil's letters (for a pupil's profile:
    `LetterLogWidget(ctx, pupil_id=12)`), every date, without the pupil filter.
    `read_now=False`: nothing is read until `refresh` (a tab not shown yet)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 pupil_id: int | None = None, read_now: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pupil_id = pupil_id
        self.entries: list[letter_service.LetterLogEntry] = []
        self._build()
        if pupil_id is not None:
            for w in (*self._date_pairs, self.pupil):
                w.hide()
        if read_now:  # else its owner refreshes it when it is shown
            self.refresh()

    def show_pupil(self, pupil_id: int | None) -> None:
        """In a pupil's profile (a navigator panel): this pupil's letters; None, nobody's."""
        self.pupil_id = -1 if pupil_id is None else pupil_id
        self.refresh()

    def _build(self) -> None:
        col = QVBoxLayout(self)
        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName("Letter type")
        self.type_combo.addItem("All letters", None)
        for t in template_store.list_templates(self.ctx.engine, every_preset=True):
            self.type_combo.addItem(t.title, t.key)
        self.type_combo.currentIndexChanged.connect(self.refresh)
        today = self.ctx.today()
        self.start = QDateEdit(_qdate(today - dt.timedelta(days=365)))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("dd MMM yyyy")
        self.start.setAccessibleName("Sent from")
        self.start.dateChanged.connect(self.refresh)
        self.end = QDateEdit(_qdate(today))
        self.end.setCalendarPopup(True)
        self.end.setDisplayFormat("dd MMM yyyy")
        self.end.setAccessibleName("Sent up to")
        self.end.dateChanged.connect(self.refresh)
        self.pupil = QLineEdit()
        self.pupil.setPlaceholderText("Pupil or addressee…")
        self.pupil.setAccessibleName("Pupil or addressee")
        self.pupil.setClearButtonEnabled(True)
        self.pupil.textChanged.connect(self._apply_text)
        self._date_labels = (QLabel("From:"), QLabel("to:"))
        # the filters wrap in a narrow pane (a pupil's profile) rather than scroll sideways
        self.type_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.type_combo.setMinimumContentsLength(18)
        self.pupil.setMinimumWidth(self.pupil.fontMetrics().horizontalAdvance("x" * 18))
        self._date_pairs = (pair(self._date_labels[0], self.start),
                            pair(self._date_labels[1], self.end))
        col.addWidget(flow_row(pair(QLabel("Letter:"), self.type_combo, stretch=True),
                               *self._date_pairs, self.pupil))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Letters sent")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for i, w in enumerate((100, 260, 260, 220)):
            self.table.setColumnWidth(i, w)  # until the rows arrive: fit_columns
        self.table.doubleClicked.connect(self.open_pdf)
        col.addWidget(self.table, 1)
        self.count = QLabel()
        self.open_button = QPushButton("Open PDF")
        self.open_button.setToolTip("Open the letter exactly as it was sent (double-click a row)")
        self.open_button.clicked.connect(self.open_pdf)
        self.save_button = QPushButton("Save PDF as…")
        self.save_button.clicked.connect(self.save_pdf)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.count.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        col.addWidget(flow_row(self.count, self.refresh_button, self.open_button,
                               self.save_button))

    @Slot()
    def refresh(self) -> None:
        if self.pupil_id is None:
            start, end = self.start.date().toPython(), self.end.date().toPython()
        else:
            start = end = None
        # -1: a pupil's profile with nobody chosen (nothing to read)
        self.entries = [] if self.pupil_id == -1 else letter_service.list_letters(
            self.ctx.engine, template_key=self.type_combo.currentData(), start=start, end=end,
            pupil_id=self.pupil_id)
        self.table.setRowCount(len(self.entries))
        emailed = outbox.deliveries(self.ctx.engine, [e.id for e in self.entries]) \
            if self.entries else {}
        for r, e in enumerate(self.entries):
            how = emailed[e.id].summary if e.id in emailed else "paper"  # email outcome
            values = (f"{e.sent_on:%d %b %Y}", e.title, e.pupil_names, e.addressee,
                      e.staff_name, how)
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setToolTip(v)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, e.id)
                self.table.setItem(r, c, item)
        fit_columns(self.table)
        self._apply_text(self.pupil.text())

    @Slot(str)
    def _apply_text(self, text: str) -> None:
        words = text.lower().split()
        shown = 0
        for r, e in enumerate(self.entries):
            hay = f"{e.pupil_names} {e.addressee}".lower()
            hide = not all(w in hay for w in words)
            self.table.setRowHidden(r, hide)
            shown += not hide
        self.count.setText(f"{shown} letter{'s' if shown != 1 else ''}")

    def selected(self) -> letter_service.LetterLogEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.entries[rows[0].row()]

    def _pdf(self) -> tuple[letter_service.LetterLogEntry, bytes] | None:
        entry = self.selected()
        if entry is None:
            QMessageBox.information(self, "Letters", "Choose a letter in the list first.")
            return None
        try:
            return entry, letter_service.letter_pdf(self.ctx.engine, entry.id)
        except ServiceError as exc:
            QMessageBox.warning(self, "Letters", str(exc))
            return None

    def _file_name(self, entry: letter_service.LetterLogEntry) -> str:
        safe = "".join(ch for ch in f"{entry.title} {entry.pupil_names}" if ch.isalnum()
                       or ch in " -_")[:80]
        return f"{entry.sent_on.isoformat()} {safe} ({entry.id}).pdf"

    @Slot()
    def open_pdf(self) -> None:
        found = self._pdf()
        if found is None:
            return
        entry, pdf = found
        folder = self.ctx.paths.letters_dir / "Opened from the log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / self._file_name(entry)
            path.write_bytes(pdf)
        except OSError as exc:
            QMessageBox.warning(self, "Letters", f"The PDF could not be written: {exc}")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    @Slot()
    def save_pdf(self) -> None:
        found = self._pdf()
        if found is None:
            return
        entry, pdf = found
        name, _ = QFileDialog.getSaveFileName(self, "Save the letter",
                                              str(Path.home() / self._file_name(entry)),
                                              "PDF files (*.pdf)")
        if name:
            try:
                Path(name).write_bytes(pdf)
            except OSError as exc:
                QMessageBox.warning(self, "Letters", f"The PDF could not be saved: {exc}")
