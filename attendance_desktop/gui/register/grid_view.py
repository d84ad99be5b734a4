"""The register table: fixed-size sections, pupil names in the vertical header (so they
stay in view while scrolling sideways), and one-key code entry.

Keys (also listed in the Keys help): a code letter sets it; C, J and Y wait up to a
second for a digit (C then 1 = C1, Y then 4 = Y4); Enter or another key finishes early.
. / \\ or Space = present (the right one for the session). Delete clears the cell.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from attendance_desktop.domain import codes
from attendance_desktop.gui.register.grid_delegate import RegisterCellDelegate

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
<b>F4</b> — code picker · <b>Ctrl+H</b> — history of the cell · <b>Ctrl+Z</b> — undo<br>
<b>Ctrl+Shift+P</b> — everyone not yet marked is present (this session)<br>
<b>Ctrl+Shift+C</b> — copy morning marks to the afternoon · <b>Ctrl+Shift+F</b> — fill
the selection with a code<br>
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
        self.setItemDelegate(RegisterCellDelegate(self))
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
        v.setFixedWidth(300)
        v.setHighlightSections(True)
        self.setToolTip("")
        self._pending = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREFIX_WAIT_MS)
        self._timer.timeout.connect(self.flush_pending)

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
