"""A QAbstractTableModel over a GridSnapshot: rows are pupils, columns are sessions.

Writes go through an injected `writer` (the register service, which commits); a single
cell emits dataChanged for that cell only, a bulk write one dataChanged for its bounding
rectangle. Who entered a mark and when is loaded lazily for the tooltip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont

from attendance_desktop.domain import codes
from attendance_desktop.gui.register.colours import grid_brushes
from attendance_desktop.services.errors import CellConflict, MarkConflict, ServiceError
from attendance_desktop.services.register.grid_service import DISTINCT_SOURCES, GridSnapshot
from attendance_desktop.services.register.register_service import BulkResult, CellMark, MarkChange

Writer = Callable[[list[MarkChange], str], BulkResult]
DetailLoader = Callable[[int, dt.date, str], CellMark]
Index = QModelIndex | QPersistentModelIndex

CodeRole = Qt.ItemDataRole.UserRole + 1
CommentRole = Qt.ItemDataRole.UserRole + 2
EditableRole = Qt.ItemDataRole.UserRole + 3

_STRONG_CODES = frozenset({"N", "U", "G", "O"})  # unauthorised: bold in the grid
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE = _SELECTABLE | Qt.ItemFlag.ItemIsEditable


@dataclass(frozen=True, slots=True)
class UndoStep:
    """The cells as they were before one write, to put back with Ctrl+Z."""

    before: tuple[MarkChange, ...]
    description: str


class RegisterGridModel(QAbstractTableModel):
    marksWritten = Signal(int)  # how many cells a write changed
    writeFailed = Signal(str)

    def __init__(self, snapshot: GridSnapshot, today: dt.date, writer: Writer | None = None,
                 detail: DetailLoader | None = None, read_only: bool = False,
                 closed_columns: list[bool] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.snap = snapshot
        self.today = today
        self.writer = writer
        self.detail = detail
        self.read_only = read_only or writer is None
        self.undo_stack: list[UndoStep] = []
        # Cells written here (or read again after a conflict) since the owner last
        # cleared it: a live re-read running meanwhile keeps them (see live_grid.py).
        self.touched: set[tuple[int, int]] = set()
        # Columns whose register has closed: empty cells there are missing marks.
        self.closed_columns = closed_columns or [False] * len(snapshot.columns)
        self._bold = QFont()
        self._bold.setBold(True)
        # An unset QFont resolves to the view's own font: a harmless non-None answer.
        self._plain = QFont()
        self._leave_font = QFont()
        self._leave_font.setItalic(True)
        self._leave_font.setBold(True)

    # -- shape ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.snap.pupils)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.snap.columns)

    # -- cells ----------------------------------------------------------------------------
    def cell_editable(self, row: int, col: int) -> bool:
        column = self.snap.columns[col]
        return (not self.read_only and column.open
                and self.snap.pupils[row].on_roll(column.day))

    def code_at(self, row: int, col: int) -> str:
        return self.snap.codes[row][col]

    def _background(self, row: int, col: int, code: str) -> QBrush:
        b = grid_brushes()
        column = self.snap.columns[col]
        if not column.open:
            return b.closed  # closure sessions stay shaded whatever their code
        if code:
            found = codes.CODES.get(code)
            return b.categories[found.category] if found else b.empty
        if not self.snap.pupils[row].on_roll(column.day):
            return b.off_roll
        if column.day == self.today:
            return b.missing if self.closed_columns[col] else b.today
        return b.missing if self.closed_columns[col] else b.empty

    def _foreground(self, row: int, col: int, code: str) -> QBrush:
        b = grid_brushes()
        if code == "N":
            return b.needs_follow_up
        return b.leave_text if self.snap.sources.get((row, col)) == "leave" else b.text

    def has_comment(self, row: int, col: int) -> bool:
        extra = self.snap.extras.get((row, col))
        return bool(extra and extra[1])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Cells are painted by Qt's own (C++) delegate from these roles: no Python call
        # into Qt per cell, see grid_view.py. Roles the cells use never answer None.
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        code = self.snap.codes[row][col]
        if role in (Qt.ItemDataRole.DisplayRole, CodeRole):
            return code
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(row, col, code)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, col, code)
        if role == Qt.ItemDataRole.FontRole:
            # Leave prefilled from a granted request: italic until a real mark replaces it.
            if self.snap.sources.get((row, col)) == "leave":
                return self._leave_font
            return self._bold if code in _STRONG_CODES else self._plain
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        if role == CommentRole:
            return self.has_comment(row, col)
        if role == EditableRole:
            return self.cell_editable(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            pupil = self.snap.pupils[row].name
            column = self.snap.columns[col]
            return f"{pupil}, {column.day:%A %d %B} {column.session}: {code or 'no mark'}"
        return None

    def _tooltip(self, row: int, col: int) -> str:
        pupil = self.snap.pupils[row]
        column = self.snap.columns[col]
        head = f"<b>{pupil.name}</b> — {column.day:%a %d %b %Y} {column.session}"
        if not column.open:
            return f"{head}<br>School closed: {column.closure}"
        if not pupil.on_roll(column.day):
            return f"{head}<br>Not on roll on this date"
        code = self.snap.codes[row][col]
        if not code:
            late = " — the register has closed: missing mark" if self.closed_columns[col] else ""
            return f"{head}<br>No mark yet{late}"
        found = codes.CODES.get(code)
        lines = [head, f"<b>{code}</b>: {found.meaning if found else 'unknown code'}"]
        if found:
            lines.append(f"<i>{found.category.label}</i>")
        if self.detail is not None:
            cell = self.detail(pupil.id, column.day, column.session)
            if cell.minutes_late is not None:
                lines.append(f"{cell.minutes_late} minutes late")
            if cell.comment:
                lines.append(f"Comment: {cell.comment}")
            if cell.entered_at is not None:
                lines.append(f"Entered by {cell.entered_by} ({cell.entered_role}) "
                             f"on {cell.entered_at:%d %b %Y at %H:%M}"
                             + (f" — {cell.source}" if cell.source != "register" else ""))
        return "<br>".join(lines)

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Asked for every painted cell: constants, no enum arithmetic per call.
        if not index.isValid():
            return _NO_FLAGS
        return _EDITABLE if self.cell_editable(index.row(), index.column()) else _SELECTABLE

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.snap.columns):
                return None
            c = self.snap.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return self._column_labels()[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                extra = f"<br>Closed: {c.closure}" if not c.open else ""
                now = " (today)" if c.day == self.today else ""
                return f"{c.day:%A %d %B %Y}{now} — {c.session}{extra}"
            if role == Qt.ItemDataRole.FontRole:
                return self._bold if c.day == self.today else self._plain
            if role == Qt.ItemDataRole.BackgroundRole:
                if c.day == self.today:
                    return grid_brushes().today
                if not c.open:
                    return grid_brushes().closed
            if role == Qt.ItemDataRole.ForegroundRole and (c.day == self.today or not c.open):
                return grid_brushes().text  # the cells' text colour on the cells' tint
            return None
        if not 0 <= section < len(self.snap.pupils):
            return None
        p = self.snap.pupils[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._row_labels()[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"<b>{p.name}</b><br>Class {p.class_name or '—'}, Year {p.year_group}"
                    f"<br>{p.flags or 'No flags'}<br>UPN {p.upn or 'missing'}")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        return None

    def _column_labels(self) -> list[str]:
        # Headers are asked again and again while sizing and painting: format them once.
        labels = getattr(self, "_col_labels", None)
        if labels is None or len(labels) != len(self.snap.columns):
            labels = self._col_labels = [f"{c.day:%d %b}\n{c.day:%a} {c.session}"
                                         for c in self.snap.columns]
        return labels

    def _row_labels(self) -> list[str]:
        labels = getattr(self, "_pupil_labels", None)
        if labels is None or len(labels) != len(self.snap.pupils):
            labels = []
            for p in self.snap.pupils:
                # One class: the class name would repeat on every row, so only flags show.
                cls = p.class_name if self.snap.class_id is None else ""
                extra = " · ".join(x for x in (cls, p.flags) if x)
                labels.append(f"{p.name}   {extra}" if extra else p.name)
            self._pupil_labels = labels
        return labels

    def notes_in(self, top: int, bottom: int, left: int, right: int) -> list[tuple[int, int]]:
        """Cells with a comment inside the rows and columns given (for the view's corner
        marks), from a per-row index instead of every comment of the year."""
        by_row = self._notes_index()
        return [(r, c) for r in range(top, bottom + 1) for c in by_row.get(r, ())
                if left <= c <= right]

    def _notes_index(self) -> dict[int, set[int]]:
        by_row: dict[int, set[int]] | None = getattr(self, "_notes_by_row", None)
        if by_row is None:
            by_row = {}
            for (r, c), (_m, note) in self.snap.extras.items():
                if note:
                    by_row.setdefault(r, set()).add(c)
            self._notes_by_row = by_row
        return by_row

    # -- writing --------------------------------------------------------------------------
    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Set one cell's code (a str). Errors go to writeFailed."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not isinstance(value, str):
            return False
        try:
            self.write_cells([(index.row(), index.column(), value, None, "")], "")
        except ServiceError as exc:
            self.writeFailed.emit(str(exc))
            return False
        return True

    def change_for(self, row: int, col: int, code: str, minutes: int | None = None,
                   comment: str = "") -> MarkChange:
        c = self.snap.columns[col]
        # seen_code: the service refuses the write if someone changed the cell meanwhile.
        return MarkChange(self.snap.pupils[row].id, c.day, c.session, code, minutes, comment,
                          seen_code=self.snap.codes[row][col])

    def current_change(self, row: int, col: int) -> MarkChange:
        """The cell as it is now (code "" when empty)."""
        minutes, comment = self.snap.extras.get((row, col), (None, ""))
        return self.change_for(row, col, self.snap.codes[row][col], minutes, comment)

    def write_cells(self, cells: list[tuple[int, int, str, int | None, str]], reason: str,
                    description: str = "", record_undo: bool = True) -> BulkResult:
        """Write (row, col, code, minutes, comment) cells in one service call. Raises
        ServiceError (PermissionDenied) unchanged for the caller to show."""
        changes = [self.change_for(r, c, code, m, note) for r, c, code, m, note in cells]
        before = tuple(self.current_change(r, c) for r, c, *_ in cells)
        result = self._write(changes, reason)
        if record_undo and result.written:
            self.undo_stack.append(UndoStep(before, description or "change"))
        return result

    def fill_empty(self, bulk: Callable[[], BulkResult], description: str) -> BulkResult:
        """Run a service call that only fills empty cells (mark all present, copy AM to PM);
        take its cells into the grid; undo clears them again."""
        if self.read_only:
            raise ServiceError("this register is open read-only")
        result = bulk()
        self.apply_cells(result.cells)
        self.marksWritten.emit(result.written)
        if result.written:
            before = [MarkChange(c.pupil_id, c.day, c.session, "", seen_code=c.code)
                      for c in result.cells]
            self.undo_stack.append(UndoStep(tuple(before), description))
        return result

    def _write(self, changes: list[MarkChange], reason: str) -> BulkResult:
        if self.read_only or self.writer is None:
            raise ServiceError("this register is open read-only")
        try:
            result = self.writer(changes, reason)
        except MarkConflict as exc:
            # Show the other writer's marks at once, so a retry compares with them.
            self.refresh_cells(exc.conflicts)
            raise
        self.apply_cells(result.cells)
        self.marksWritten.emit(result.written)
        return result

    def refresh_cells(self, conflicts: tuple[CellConflict, ...]) -> None:
        """Show the marks now on record in these cells (minutes, comment and source too,
        read again when a loader is set), after a write found them changed."""
        if self.detail is not None and len(conflicts) <= 200:
            cells = tuple(self.detail(c.pupil_id, c.day, c.session) for c in conflicts)
        else:
            cells = tuple(CellMark(c.pupil_id, c.day, c.session, c.current_code, None, "", "",
                                   c.changed_by, c.changed_role, c.changed_at)
                          for c in conflicts)
        self.apply_cells(cells)

    def undo(self, reason: str) -> UndoStep | None:
        """Put back the cells of the last write (itself a recorded change)."""
        if not self.undo_stack:
            return None
        step = self.undo_stack[-1]
        # Undo compares with the cells as this grid now shows them.
        self._write([replace(ch, seen_code=self._shown(ch)) for ch in step.before], reason)
        self.undo_stack.pop()
        return step

    def _shown(self, ch: MarkChange) -> str | None:
        pos = self.position(ch.pupil_id, ch.day, ch.session)
        return None if pos is None else self.snap.codes[pos[0]][pos[1]]

    def position(self, pupil_id: int, day: dt.date, session: str) -> tuple[int, int] | None:
        rows = getattr(self, "_row_of", None)
        if rows is None or len(rows) != len(self.snap.pupils):
            self._row_of = {p.id: i for i, p in enumerate(self.snap.pupils)}
            self._col_of = {(c.day, c.session): i for i, c in enumerate(self.snap.columns)}
        r = self._row_of.get(pupil_id)
        c = self._col_of.get((day, session))
        return None if r is None or c is None else (r, c)

    def take_values(self, fresh: GridSnapshot,
                    keep: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset()
                    ) -> bool:
        """Take the marks of a snapshot re-read for the same pupils and sessions, with one
        dataChanged, except the `keep` cells (newer here than in the read); False (nothing
        changed here) when the rows or columns differ."""
        snap = self.snap
        if ([p.id for p in fresh.pupils] != [p.id for p in snap.pupils]
                or fresh.columns != snap.columns):
            return False
        for cell in keep:
            r, c = cell
            fresh.codes[r][c] = snap.codes[r][c]
            extra, source = snap.extras.get(cell), snap.sources.get(cell)
            if extra is None:
                fresh.extras.pop(cell, None)
            else:
                fresh.extras[cell] = extra
            if source is None:
                fresh.sources.pop(cell, None)
            else:
                fresh.sources[cell] = source
        snap.codes, snap.extras, snap.sources = fresh.codes, fresh.extras, fresh.sources
        self._notes_by_row = None
        if snap.pupils and snap.columns:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(snap.pupils) - 1, len(snap.columns) - 1))
        return True

    def apply_cells(self, cells: tuple[CellMark, ...]) -> None:
        """Take written cells into the snapshot; one dataChanged for their bounding box."""
        rows: list[int] = []
        cols: list[int] = []
        notes = self._notes_index()  # kept up to date cell by cell, not rebuilt
        for cell in cells:
            pos = self.position(cell.pupil_id, cell.day, cell.session)
            if pos is None:
                continue
            r, c = pos
            self.snap.codes[r][c] = cell.code
            if cell.code and cell.source in DISTINCT_SOURCES:
                self.snap.sources[(r, c)] = cell.source
            else:
                self.snap.sources.pop((r, c), None)
            if cell.minutes_late is not None or cell.comment:
                self.snap.extras[(r, c)] = (cell.minutes_late, cell.comment)
            else:
                self.snap.extras.pop((r, c), None)
            if cell.comment:
                notes.setdefault(r, set()).add(c)
            elif r in notes:
                notes[r].discard(c)
            rows.append(r)
            cols.append(c)
            self.touched.add(pos)
        if rows:
            self.dataChanged.emit(self.index(min(rows), min(cols)),
                                  self.index(max(rows), max(cols)))
