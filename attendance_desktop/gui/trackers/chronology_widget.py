"""The Chronology tab of the pupil profile: one timeline per pupil (or the whole family),
searchable, with Add entry, Correct, Save PDF and Export CSV. The rows come from
chronology_service; this widget only shows and filters them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.flow_layout import FlowLayout, flow_row, pair
from attendance_desktop.gui.tables import fill_table, read_only_table
from attendance_desktop.gui.trackers.chronology_dialogs import AddEntryDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.trackers import chronology_output, chronology_service
from attendance_desktop.services.trackers.chronology_service import FILTERS, Item, Timeline

HEADERS = ["Date", "Pupil", "Kind", "What", "Outcome", "Who"]
WIDTHS = (88, 140, 150, 0, 150, 160)  # "What" takes the rest
PURPOSE_CHOICES = [("For a meeting", "meeting"), ("For a referral", "referral"),
                   ("For the record", "record")]


def _what(item: Item) -> str:
    """The row's summary: its title (unless it only repeats the kind), who with, details."""
    parts = [item.title] if item.title != item.kind_label else []
    if item.with_whom:
        parts.append(f"with {item.with_whom}")
    if item.details and item.kind not in ("marks", "absence_week"):
        parts.append(item.details.splitlines()[0])
    return " — ".join(parts)


def _button(text: str, tip: str, layout: QLayout, slot: object) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    b.setAccessibleName(text.replace("&", "").rstrip("…"))
    b.clicked.connect(slot)  # type: ignore[arg-type]
    layout.addWidget(b)
    return b


class ChronologyWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chronology")
        self.ctx = ctx
        self.pupil_id: int | None = None
        self._stale = False
        self.full: Timeline | None = None  # everything, before the filters
        self.shown: list[Item] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        find_label = QLabel("Find te&xt:")
        self.search = QLineEdit()
        self.search.setObjectName("chronologySearch")
        self.search.setAccessibleName("Search the chronology")
        self.search.setPlaceholderText("Words to find, e.g. 'Early Help' or a name")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filters)
        find_label.setBuddy(self.search)
        kind_label = QLabel("&Kind:")
        self.kind = QComboBox()
        self.kind.setObjectName("chronologyKind")
        self.kind.setAccessibleName("Kind of entry to show")
        self.kind.addItems(list(FILTERS))
        # the longest kinds are long: keep the row within the profile's width
        self.kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind.setMinimumContentsLength(22)
        self.kind.currentIndexChanged.connect(self.apply_filters)
        kind_label.setBuddy(self.kind)
        self.family = QCheckBox("Include &brothers and sisters")
        self.family.setObjectName("chronologyFamily")
        self.family.setToolTip("Show the family's chronology: every pupil sharing a parent or"
                               " carer with parental responsibility")
        self.family.toggled.connect(self.reload)
        # the filters wrap in a narrow profile rather than scrolling it sideways
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("x" * 22))
        layout.addWidget(flow_row(pair(find_label, self.search, stretch=True),
                                  pair(kind_label, self.kind), self.family))

        self.table = read_only_table(HEADERS, "Chronology", object_name="chronologyTable")
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate(WIDTHS):
            if width:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("chronologyDetail")
        self.detail.setAccessibleName("The selected entry in full")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a row to read it in full.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        self.detail.setMinimumHeight(48)
        split.setSizes([300, 70])
        layout.addWidget(split, 1)

        buttons = FlowLayout(spacing=6)
        self.count = QLabel()
        self.count.setObjectName("chronologyCount")
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("0000 of 0000 rows"))
        self.count.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        buttons.addWidget(self.count)
        staff = ctx.actor.role in chronology_service.WRITERS
        self.add_button = _button("Add entr&y…", "Record a note, meeting or referral (who and"
                                  " when are recorded for you)", buttons, self.add_entry)
        self.correct_button = _button("Co&rrect or add outcome…", "Record a correction, or an"
                                      " outcome learned later, of the selected entry (the"
                                      " original stays on the record)", buttons, self.correct)
        self.pdf_button = _button("Save P&DF…", "Save what is shown as a PDF to print for a"
                                  " meeting or a referral", buttons, self.save_pdf)
        self.csv_button = _button("Export C&SV…", "Save what is shown as a spreadsheet file",
                                  buttons, self.save_csv)
        self.add_button.setEnabled(staff)
        if not staff:
            self.add_button.setToolTip("Only office staff, teachers and the head can add"
                                       " entries")
        self._staff = staff
        button_row = QWidget()
        button_row.setLayout(buttons)
        layout.addWidget(button_row)

    # -- loading and filtering -----------------------------------------------------------
    def show_pupil(self, pupil_id: int | None) -> None:
        """Show this pupil's chronology (read when the tab is first shown, not before)."""
        self.pupil_id = pupil_id
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    @Slot()
    def reload(self) -> None:
        self._stale = False
        if self.pupil_id is None:
            self.full = None
            self.apply_filters()
            return
        try:
            self.full = chronology_service.timeline(self.ctx.engine, self.pupil_id,
                                                    family=self.family.isChecked())
        except ServiceError as exc:
            self.full = None
            QMessageBox.warning(self, "Chronology", str(exc))
        self.apply_filters()

    def kinds(self) -> frozenset[str]:
        return FILTERS[self.kind.currentText()]

    def filters_text(self) -> str:
        parts = []
        if self.kind.currentIndex() > 0:
            parts.append(f"kind: {self.kind.currentText()}")
        if self.search.text().strip():
            parts.append(f"search: \u201c{self.search.text().strip()}\u201d")
        return "; ".join(parts)

    def visible_timeline(self) -> Timeline | None:
        if self.full is None:
            return None
        return Timeline(self.full.pupil_ids, self.full.names, tuple(self.shown),
                        self.full.family, self.full.total)

    @Slot()
    def apply_filters(self) -> None:
        items = self.full.items if self.full is not None else ()
        text, kinds = self.search.text(), self.kinds()
        self.shown = [i for i in items if chronology_service.matches(i, text, kinds)]
        family = self.full is not None and len(self.full.pupil_ids) > 1
        self.table.setColumnHidden(1, not family)
        fill_table(self.table, [[f"{i.on:%d %b %Y}", i.pupil, i.kind_label, _what(i),
                                 i.outcome, i.who_text] for i in self.shown], tooltips=True)
        total = len(items)
        self.count.setText(f"{len(self.shown)} of {total} rows" if total else
                           "Nothing recorded yet")
        has = self.full is not None
        self.pdf_button.setEnabled(has)
        self.csv_button.setEnabled(has)
        self.add_button.setEnabled(has and self._staff)
        self.detail.clear()
        self._show_selected()

    def selected(self) -> Item | None:
        rows = self.table.selectionModel().selectedRows()
        return self.shown[rows[0].row()] if rows else None

    @Slot()
    def _show_selected(self) -> None:
        item = self.selected()
        self.correct_button.setEnabled(self._staff and item is not None
                                       and item.entry_id is not None)
        if item is None:
            self.detail.clear()
            return
        lines = [f"{item.on:%A %d %B %Y}" + (f" at {item.at:%H:%M}" if item.at else "")
                 + f" — {item.kind_label} — {item.pupil}", item.title]
        for label, value in (("With", item.with_whom), ("Outcome", item.outcome),
                             ("Details", item.details), ("By", item.who_text)):
            if value:
                lines.append(f"{label}: {value}")
        if item.recorded_at:
            lines.append(f"Recorded {item.recorded_at:%d %B %Y at %H:%M}"
                         f" (entry #{item.entry_id})")
        self.detail.setPlainText("\n".join(lines))

    # -- actions --------------------------------------------------------------------------
    def _pupil_name(self, pupil_id: int) -> str:
        return self.full.names.get(pupil_id, "") if self.full else ""

    @Slot()
    def add_entry(self) -> None:
        if self.pupil_id is None:
            return
        dialog = AddEntryDialog(self.ctx, self.pupil_id, self._pupil_name(self.pupil_id), self)
        if dialog.exec():
            self.reload()

    @Slot()
    def correct(self) -> None:
        item = self.selected()
        if item is None or item.entry_id is None:
            return
        try:
            earlier = chronology_service.entry(self.ctx.engine, item.entry_id)
        except ServiceError as exc:
            QMessageBox.warning(self, "Chronology", str(exc))
            return
        dialog = AddEntryDialog(self.ctx, earlier.pupil_id, item.pupil, self, corrects=earlier)
        if dialog.exec():
            self.reload()

    def _file_name(self, ext: str) -> str:
        tl = self.full
        who = tl.names.get(self.pupil_id or 0, "pupil") if tl else "pupil"
        family = " family" if tl is not None and tl.family else ""
        return f"{self.ctx.today():%Y-%m-%d} chronology {who}{family}.{ext}"

    @Slot()
    def save_pdf(self) -> None:
        tl = self.visible_timeline()
        if tl is None:
            return
        labels = [label for label, _ in PURPOSE_CHOICES]
        label, ok = QInputDialog.getItem(self, "Save the chronology as PDF",
                                         "What is it for?", labels, 0, False)
        if not ok:
            return
        purpose = dict(PURPOSE_CHOICES)[label]
        path, _ = QFileDialog.getSaveFileName(self, "Save the chronology as PDF",
                                              self._file_name("pdf"), "PDF files (*.pdf)")
        if not path:
            return
        try:
            pages = chronology_output.write_pdf(self.ctx.engine, self.ctx.actor, tl,
                                                Path(path), purpose=purpose,
                                                filters=self.filters_text())
        except ServiceError as exc:
            QMessageBox.warning(self, "Chronology", str(exc))
            return
        QMessageBox.information(self, "Chronology", f"Saved {len(tl.items)} rows on {pages}"
                                f" page{'s' if pages != 1 else ''} to {Path(path).name}.")

    @Slot()
    def save_csv(self) -> None:
        tl = self.visible_timeline()
        if tl is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export the chronology",
                                              self._file_name("csv"), "CSV files (*.csv)")
        if not path:
            return
        try:
            rows = chronology_output.write_csv(self.ctx.engine, self.ctx.actor, tl, Path(path))
        except ServiceError as exc:
            QMessageBox.warning(self, "Chronology", str(exc))
            return
        QMessageBox.information(self, "Chronology", f"Saved {rows} rows to {Path(path).name}.")
