"""The Trackers page: one board of every pupil with something due, most urgent first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QBrush, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain import escalation, lateness
from attendance_desktop.domain.stats import format_pct
from attendance_desktop.gui import theme
from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.charts.band_moves_widget import BandMovesWidget
from attendance_desktop.gui.column_widths import fit_columns
from attendance_desktop.gui.generated.trackers.ui_case_dialog import Ui_CaseDialog
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.gui.trackers.pupil_case_widget import PupilCaseWidget, due_text
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.trackers import alerts_service
from attendance_desktop.services.trackers.alerts_service import PupilAlert, Snapshot

COLUMNS = ["Urgency", "Pupil", "Class", "This year", "Band (period) · now", "Lateness",
           "Flags", "Next step", "Due"]
# beside any band: what the band alone could hide
SHORT_WARNINGS = {"severe absence": "SA", "persistent absence": "PA",
                  "missing education (20 days)": "missing",
                  "missing education (not back after leave)": "missing"}
FILTERS = [
    ("due", "Everyone with something due"),
    ("absence", "Absence escalation"),
    ("lateness", "Lateness"),
    ("penalty", "Penalty notice threshold met"),
    ("flags", "Missing education and LA flags"),
    ("persistent", "Persistent absence (10%+)"),
    ("severe", "Severe absence (50%+)"),
    ("at_risk", "At risk of persistent absence"),
    ("all", "Every pupil on roll"),
]
SHORT_LEVELS = {"concern": "Concern", "significant": "Significant", "escalated": "Escalated"}
SHORT_FLAGS = {
    "missing_20_days": "20 days G/N/O", "absent_10_days": "10 days unauthorised",
    "not_back_after_leave": "not back from leave", "illness_15_days": "illness 15 days",
    "illness_weekly_contact": "illness: weekly contact", "signed_letter": "signed letter",
    "termly_unauthorised": "termly unauthorised", "n_overdue": "N overdue",
}
# Row tints by urgency (named in gui/theme.py, light and dark).
URGENCY_COLOURS = {0: "tint_urgent", 1: "tint_soon", 2: "tint_soon", 3: "tint_later",
                   4: "tint_later"}


def band_text(p: PupilAlert) -> str:
    """The band for the period letters use, the running figure beside it when another
    period is under way, and PA / SA / missing education whatever the band."""
    name = p.band_label.split(" (")[0] if p.band_label else "–"
    text = f"{name} · {format_pct(p.period_pct)}"
    if p.running_period and p.running_period != p.period:
        text += f" · now {format_pct(p.running_pct)}"
    tags = dict.fromkeys(SHORT_WARNINGS.get(w, w) for w in p.warnings)
    return text + (f" · ⚠ {', '.join(tags)}" if tags else "")


def _matches(p: PupilAlert, key: str) -> bool:
    if key == "all":
        return True
    if key == "due":
        return bool(p.due)
    if key in ("absence", "lateness", "flags"):
        return any(d.tracker == key for d in p.due)
    if key == "penalty":
        return p.penalty_threshold_met
    return bool(getattr(p, key))


class BoardModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[PupilAlert] = []
        self.on = None

    def set_rows(self, rows: list[PupilAlert], on: Any) -> None:
        self.beginResetModel()
        self.rows = rows
        self.on = on
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def _text(self, p: PupilAlert, col: int) -> str:
        first = p.due[0] if p.due else None
        if col == 0:
            return alerts_service.URGENCY_LABELS.get(p.urgency, "") if first else ""
        if col == 1:
            return p.name
        if col == 2:
            return p.class_name
        if col == 3:
            tags = ", ".join(t for t, on in (("PA", p.persistent), ("SA", p.severe),
                                             ("at risk", p.at_risk)) if on)
            return f"{format_pct(p.attendance_pct)}{f' ({tags})' if tags else ''}"
        if col == 4:
            return band_text(p)
        if col == 5:
            return SHORT_LEVELS.get(p.lateness_level, "")
        if col == 6:
            flags = [*(["PN threshold"] if p.penalty_threshold_met else []),
                     *(SHORT_FLAGS.get(f.name, f.name) for f in p.flags)]
            if p.absence.paused:
                flags.append("paused")
            return ", ".join(flags)
        if col == 7:
            more = f" (+{len(p.due) - 1} more)" if len(p.due) > 1 else ""
            return f"{first.label}{more}" if first else ""
        if col == 8:
            return due_text(first, self.on) if first and self.on else ""
        return ""

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(p, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == 7 and p.due:
                return "\n".join(f"• {d.label} ({due_text(d, self.on)})" for d in p.due)
            if index.column() == 5 and p.lateness_level != "none":
                return (f"{lateness.LEVEL_LABELS[p.lateness_level]}: "
                        f"{p.lateness.this_week} late this week")
            if index.column() == 6:
                return "\n".join(escalation.FLAG_LABELS[f.name] + f": {f.detail}"
                                 for f in p.flags) or None
            if index.column() == 4:
                warn = "".join(f"\n⚠ {w}" for w in p.warnings)
                return (f"{p.band_label or 'No band'} for {p.period or '–'} "
                        f"({format_pct(p.period_pct)}): the period letters use.\n"
                        f"{p.running_period} so far: {format_pct(p.running_pct)}{warn}")
            return self._text(p, index.column()) or None
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == 0 and p.due:
            return QBrush(theme.colour(URGENCY_COLOURS.get(p.urgency, "tint_later")))
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 4 and p.warnings:
            return QBrush(theme.colour("error"))
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 8 and p.due \
                and self.on and p.due[0].overdue(self.on):
            return QBrush(theme.colour("error"))
        return None


class CaseDialog(QDialog):
    def __init__(self, parent: QWidget, ctx: AppContext, pupil_id: int,
                 navigator: Navigator | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_CaseDialog()
        self.ui.setupUi(self)
        # The case page needs the context and the pupil: built here, placed in the form.
        self.case = PupilCaseWidget(ctx, pupil_id, navigator)
        self.case.profileOpened.connect(self.accept)  # the profile replaces this dialog
        self.ui.case_area.addWidget(self.case)
        QWidget.setTabOrder(self.case, self.ui.buttons)  # the case first, Close last
        self.ui.buttons.rejected.connect(self.reject)


class TrackersWidget(QWidget):
    def __init__(self, ctx: AppContext, navigator: Navigator | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.snapshot: Snapshot | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("trackersHeading")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)  # a long heading wraps rather than widen the window
        layout.addWidget(self.heading)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("&Show:"))
        self.filter = QComboBox()
        self.filter.setAccessibleName("Show")
        self.filter.setToolTip("Which pupils to list")
        for key, label in FILTERS:
            self.filter.addItem(label, key)
        bar.itemAt(0).widget().setBuddy(self.filter)  # type: ignore[union-attr]
        bar.addWidget(self.filter)
        bar.addWidget(QLabel("Class:"))
        self.class_filter = QComboBox()
        self.class_filter.setAccessibleName("Class")
        self.class_filter.setToolTip("Only this class")
        self.class_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        bar.addWidget(self.class_filter)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a pupil (name or UPN)")
        self.search.setAccessibleName("Find a pupil")
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        refresh = QPushButton("&Refresh")
        refresh.setToolTip("Work everything out again from the registers (F5)")
        refresh.setShortcut(QKeySequence("F5"))
        refresh.clicked.connect(self.refresh)
        bar.addWidget(refresh)
        layout.addLayout(bar)

        self.model = BoardModel()
        self.table = QTableView()
        self.table.setObjectName("trackerBoard")
        self.table.setAccessibleName("Pupils with something due")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        widths = [62, 130, 80, 100, 250, 84, 160, 300, 110]  # until the rows arrive
        for i, w in enumerate(widths):
            self.table.setColumnWidth(i, w)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.model.modelReset.connect(lambda: fit_columns(self.table, {4: 260, 6: 180}))
        # Enter and double-click both "activate" a row
        self.table.activated.connect(self.open_case)
        layout.addWidget(self.table, 1)
        self.detail = QLabel()
        self.detail.setObjectName("boardDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAccessibleName("Everything due for the selected pupil")
        self.detail.setMinimumHeight(90)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.detail)
        self.table.selectionModel().selectionChanged.connect(self.show_detail)

        row = QHBoxLayout()
        self.open_button = QPushButton("&Open case…")
        self.open_button.setToolTip("Open the selected pupil's case: steps, calendar, late "
                                    "log, history, calls, letters (Enter)")
        self.open_button.setAccessibleName("Open case")
        self.open_button.clicked.connect(self.open_case)
        row.addWidget(self.open_button)
        self.count = QLabel()
        row.addWidget(self.count, 1)
        self.moves_button = QPushButton("Band &moves")
        self.moves_button.setCheckable(True)
        self.moves_button.setAccessibleName("Show band moves")
        self.moves_button.setToolTip("How many pupils moved between attendance bands since "
                                     "the previous monitoring period")
        row.addWidget(self.moves_button)
        layout.addLayout(row)
        self.moves = BandMovesWidget()
        self.moves.setMinimumHeight(240)
        self.moves.setMaximumHeight(300)
        self.moves.setVisible(False)
        self.moves_button.toggled.connect(self.moves.setVisible)
        layout.addWidget(self.moves)

        self.filter.currentIndexChanged.connect(self.apply_filters)
        self.class_filter.currentIndexChanged.connect(self.apply_filters)
        self.search.textChanged.connect(self.apply_filters)
        self.loader = BackgroundLoad(self, self._read)
        self.loader.loaded.connect(self._show)
        self.loader.failed.connect(self._load_failed)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Work the board out again off the GUI thread; the window stays usable and the
        rows shown stay until the new ones are ready."""
        if self.snapshot is None and not self.loader.busy:
            self.heading.setText("<h2>Trackers — who needs what next</h2>"
                                 "<p>Working out the trackers from the registers…</p>")
        self.loader.request()

    def _read(self) -> Snapshot:
        return alerts_service.snapshot(self.ctx.engine, self.ctx.today())

    @Slot()
    def _load_failed(self) -> None:
        exc = self.loader.error
        self.snapshot = None
        text = str(exc) if isinstance(exc, ServiceError) else \
            "The trackers could not be worked out: see the log."
        self.heading.setText(f"<h2>Trackers — who needs what next</h2><p><b>{text}</b></p>")
        self.moves.show_snapshot(None)
        self.model.set_rows([], self.ctx.today())
        self.count.setText("")
        self.open_button.setEnabled(False)

    @Slot()
    def _show(self) -> None:
        self.snapshot = self.loader.result
        on = self.snapshot.on
        snap = self.snapshot
        self.moves.show_snapshot(snap)
        board = snap.board()
        counts = (sum(p.persistent for p in snap.pupils), sum(p.severe for p in snap.pupils),
                  sum(p.at_risk for p in snap.pupils),
                  sum(p.penalty_threshold_met for p in snap.pupils))
        self.heading.setText(
            f"<h2>Trackers — who needs what next</h2><p>{on:%A %d %B %Y}: "
            f"<b>{len(board)}</b> of {len(snap.pupils)} pupils have something due · "
            f"{counts[0]} persistently absent · {counts[1]} severely absent · {counts[2]} at "
            f"risk · {counts[3]} over the penalty-notice threshold"
            f"{f' · bands for {snap.pupils[0].period}, the period letters use' if snap.pupils else ''}"  # noqa: E501
            "</p>")
        keep = self.selected()
        current = self.class_filter.currentText()
        self.class_filter.blockSignals(True)
        self.class_filter.clear()
        self.class_filter.addItem("All classes", "")
        for name in dict.fromkeys(p.class_name for p in snap.pupils if p.class_name):
            self.class_filter.addItem(name, name)
        i = self.class_filter.findText(current)
        self.class_filter.setCurrentIndex(max(i, 0))
        self.class_filter.blockSignals(False)
        self.apply_filters()
        if keep is not None:  # a refresh keeps the pupil someone was looking at
            rows = [p.pupil_id for p in self.model.rows]
            if keep.pupil_id in rows:
                self.table.selectRow(rows.index(keep.pupil_id))

    @Slot()
    def apply_filters(self) -> None:
        if self.snapshot is None:
            return
        key = str(self.filter.currentData())
        cls = str(self.class_filter.currentData() or "")
        text = self.search.text().strip().lower()
        source = self.snapshot.board() if key != "all" else list(self.snapshot.pupils)
        if key in ("persistent", "severe", "at_risk", "penalty"):
            board_ids = [p.pupil_id for p in source]
            source = sorted(self.snapshot.pupils, key=lambda p: (
                board_ids.index(p.pupil_id) if p.pupil_id in board_ids else 10**6, p.name))
        rows = [p for p in source if _matches(p, key) and (not cls or p.class_name == cls)
                and (not text or text in p.name.lower() or text in p.upn.lower())]
        self.model.set_rows(rows, self.snapshot.on)
        self.count.setText(f"{len(rows)} pupils listed")
        if rows:
            self.table.selectRow(0)
        self.open_button.setEnabled(bool(rows))

    @Slot()
    def show_detail(self) -> None:
        p = self.selected()
        if p is None:
            self.detail.setText("")
            return
        items = "".join(f"<li>{d.label} — <i>{due_text(d, self.snapshot.on)}</i></li>"
                        for d in p.due) if self.snapshot else ""
        flags = "; ".join(f"{escalation.FLAG_LABELS[f.name]} ({f.detail})" for f in p.flags)
        red = theme.hex_colour("error")
        band = (f"{p.band_label or 'No band'} for {p.period} ({format_pct(p.period_pct)})"
                f"{f', {p.running_period} so far {format_pct(p.running_pct)}' if p.running_period != p.period else ''}"  # noqa: E501
                f"{''.join(f' · <b style=color:{red}>{w}</b>' for w in p.warnings)}")
        self.detail.setText(f"<b>{p.name}</b> ({p.class_name}) — {band}"
                            f"{' — ' + flags if flags else ''}"
                            f"<ul style='margin:2px'>{items or '<li>Nothing due</li>'}</ul>")

    def selected(self) -> PupilAlert | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.rows[rows[0].row()]

    @Slot()
    def open_case(self) -> None:
        p = self.selected()
        if p is None:
            return
        dialog = CaseDialog(self, self.ctx, p.pupil_id, self.navigator)
        dialog.case.changed.connect(self.refresh)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.case_dialog = dialog
        dialog.open()
