"""The register table: fixed-size sections, pupil names in the vertical header (so they
stay in view while scrolling sideways), and one-key code entry.

Cells are painted by Qt's own C++ delegate from the model's roles, with no Python per cell.
PySide6 6.12.0 on Python 3.11 drops a reference to None on every call into Qt that returns
nothing (fillRect, setPen, save, an empty QVariant ...): a Python delegate made ~4,000
such calls per repaint of a year grid and the process aborted ("none_dealloc") within a
dozen scroll steps. What Qt cannot paint from roles (the comment corner, the selection tint,
the current-cell frame) is drawn once per repaint, for the visible cells only, in paintEvent.

Keys (also listed in the Keys help): a code letter sets it; C, J and Y wait up to a
second for a digit (C then 1 = C1, Y then 4 = Y4); Enter or another key finishes early.
. / \\ or Space = present (the right one for the session). Delete clears the cell.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from attendance_desktop.domain import codes
from attendance_desktop.gui import theme
from attendance_desktop.gui.register.grid_model import RegisterGridModel

PRESENT_KEYS = {".", "/", "\\", " "}
PREFIXES = {"C", "J", "Y"}  # letters that start two-character codes
PREFIX_WAIT_MS = 1000
KEY_HELP = """<b>Typing in the register</b><br>
<b>/</b> <b>\\</b> <b>.</b> or <b>Space</b> — present (/ in the morning, \\ in the afternoon)<br>
A code letter — sets that code and moves down (L, U, N, I, M, G, O, R …)<br>
<b>C</b>, <b>J</b>, <b>Y</b> then a digit — two-character codes (C1, C2, J1, Y1–Y7);
C alone is set after a second<br>
Select several cells then type a code — fills them all (one step)<br>
<b>Delete</b> — clear a mark · <b>Enter</b> or <b>F2</b> — minutes late and comment<br>
<b>F4</b> — fill the selection with a code from the list<br>
<b>Ctrl+H</b> — history of the cell · <b>Ctrl+Z</b> — undo (asks the reason once the
register has closed)<br>
<b>Ctrl+Shift+P</b> — everyone not yet marked is present (this session)<br>
<b>Ctrl+Shift+C</b> — copy morning marks to the afternoon<br>
Arrows and Tab move; a register that has closed asks for the amendment's reason."""


class RegisterGridView(QTableView):
    codeTyped = Signal(str)
    clearRequested = Signal()
    detailsRequested = Signal()
    refused = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("registerGrid")
        self.setAccessibleName("Register grid")
        palette = self.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            # Qt's item highlight would hide the code's colour: see paintEvent instead.
            palette.setColor(group, QPalette.ColorRole.Highlight, theme.TRANSPARENT)
            palette.setColor(group, QPalette.ColorRole.HighlightedText,
                             theme.colour("cell_text"))
        self.setPalette(palette)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setTabKeyNavigation(True)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        h = self.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        h.setDefaultSectionSize(56)
        h.setMinimumHeight(40)
        h.setHighlightSections(True)
        v = self.verticalHeader()
        v.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        v.setDefaultSectionSize(24)
        v.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        v.setFixedWidth(300)  # until a model is set: then from the names (fit_row_header)
        v.setTextElideMode(Qt.TextElideMode.ElideRight)  # beyond the cap: "…" and a tooltip
        v.setHighlightSections(True)
        self.setToolTip("")
        self._pending = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREFIX_WAIT_MS)
        self._timer.timeout.connect(self.flush_pending)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if not isinstance(model, RegisterGridModel) or not model.snap.columns:
            return
        viewport = self.viewport()
        painter = QPainter(viewport)
        top, left = self.rowAt(0), self.columnAt(0)
        bottom = self.rowAt(viewport.height() - 1)
        right = self.columnAt(viewport.width() - 1)
        bottom = model.rowCount() - 1 if bottom < 0 else bottom
        right = model.columnCount() - 1 if right < 0 else right
        top, left = max(top, 0), max(left, 0)
        corners = [self.visualRect(model.index(r, c))
                   for r, c in model.notes_in(top, bottom, left, right)]
        if corners:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.colour("comment_mark"))
            for rect in corners:
                painter.drawPolygon(QPolygonF([
                    QPointF(rect.right() - 6, rect.top()), QPointF(rect.right() + 1, rect.top()),
                    QPointF(rect.right() + 1, rect.top() + 7)]))
        # The selection: one tinted rectangle per selected block, not per cell.
        for block in self.selectionModel().selection():
            if block.bottom() < top or block.top() > bottom or block.right() < left or (
                    block.left() > right):
                continue
            area = self.visualRect(block.topLeft()).united(self.visualRect(block.bottomRight()))
            painter.fillRect(area, theme.colour("selection_tint"))  # see-through
        current = self.currentIndex()
        if current.isValid():
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(theme.colour("current_cell"), 2))
            painter.drawRect(self.visualRect(current).adjusted(1, 1, -1, -1))
        painter.end()

    @property
    def pending(self) -> str:
        return self._pending

    @Slot()
    def flush_pending(self) -> None:
        self._timer.stop()
        if self._pending:
            code, self._pending = self._pending, ""
            self.codeTyped.emit(code)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if self._pending:
            if plain and text.isdigit():
                code, self._pending = self._pending + text, ""
                self._timer.stop()
                self.codeTyped.emit(code)
                return
            if event.key() == Qt.Key.Key_Escape:
                self._pending = ""
                self._timer.stop()
                return
            self.flush_pending()
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                return
        if plain and text in PRESENT_KEYS:
            self.codeTyped.emit("present")
            return
        if plain and len(text) == 1 and text.isalpha():
            letter = text.upper()
            if letter in PREFIXES:
                self._pending = letter
                self._timer.start()
                return
            if letter in codes.CODES:
                self.codeTyped.emit(letter)
            else:
                self.refused.emit(f"'{letter}' is not an attendance code (F4 lists them)")
            return
        if plain and text == "#":
            self.codeTyped.emit("#")
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and plain:
            self.clearRequested.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2) and plain:
            self.detailsRequested.emit()
            return
        super().keyPressEvent(event)

    ROW_HEADER_CAP = 380  # px: wider would leave too few days on a 1366-pixel screen

    def fit_row_header(self) -> None:
        """The names' column as wide as its longest label, up to the cap and to 40% of the
        view (a narrow window at 150% keeps room for the days); beyond that "…" and the
        tooltip."""
        model = self.model()
        v = self.verticalHeader()
        if model is None:
            return
        metrics = v.fontMetrics()
        bold = QFont(v.font())
        bold.setBold(True)  # the current row's name is drawn bold
        widest = max((metrics.horizontalAdvance(str(model.headerData(r, Qt.Orientation.Vertical)))
                      for r in range(model.rowCount())), default=100)
        self._names_width = round(widest * QFontMetrics(bold).averageCharWidth()
                                  / max(1, metrics.averageCharWidth())) + 20
        self._apply_row_header_width()

    def _apply_row_header_width(self) -> None:
        wanted = getattr(self, "_names_width", 0)
        if wanted:
            cap = min(self.ROW_HEADER_CAP, max(160, self.width() * 2 // 5))
            self.verticalHeader().setFixedWidth(max(120, min(cap, wanted)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_row_header_width()
