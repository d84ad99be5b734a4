"""Find text a person cannot read in full: a table header or cell cut short, or a one-line
label narrower than its text, with no tooltip that shows the whole."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyleOptionButton,
    QTableView,
    QWidget,
)

# Room Qt's styles take around a header's or a cell's text (margins, sort arrow, frame).
HEADER_PADDING = 6
CELL_PADDING = 6


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _header_clips(view: QTableView) -> list[str]:
    out = []
    header: QHeaderView = view.horizontalHeader()
    model = view.model()
    if model is None or not _shown(header):
        return out
    metrics = header.fontMetrics()
    for col in range(model.columnCount()):
        if header.isSectionHidden(col):
            continue
        text = model.headerData(col, Qt.Orientation.Horizontal)
        if not isinstance(text, str) or not text:
            continue
        widest = max(metrics.horizontalAdvance(line) for line in text.splitlines())
        if widest + HEADER_PADDING > header.sectionSize(col):
            tip = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
            if not tip:
                out.append(f"{view.objectName() or view.accessibleName()}: header {text!r}"
                           f" {widest}px in {header.sectionSize(col)}px")
    return out


def _cell_clips(view: QTableView, rows: int = 40) -> list[str]:
    out = []
    model = view.model()
    if model is None or not _shown(view.viewport()):
        return out
    metrics = view.fontMetrics()
    header = view.horizontalHeader()
    for row in range(min(rows, model.rowCount())):
        for col in range(model.columnCount()):
            if header.isSectionHidden(col):
                continue
            index: QModelIndex = model.index(row, col)
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if not isinstance(text, str) or not text or "\n" in text:
                continue
            room = header.sectionSize(col) - CELL_PADDING
            if view.wordWrap() and view.rowHeight(row) > 2 * metrics.height():
                continue
            if index.data(Qt.ItemDataRole.DecorationRole) is not None:
                room -= view.iconSize().width() or 16
            if metrics.horizontalAdvance(text) > room \
                    and not index.data(Qt.ItemDataRole.ToolTipRole):
                out.append(f"{view.objectName() or view.accessibleName()}: cell {text!r}"
                           f" {metrics.horizontalAdvance(text)}px in {room}px")
    return out


def _label_clips(label: QLabel) -> list[str]:
    if not _shown(label) or label.wordWrap() or label.toolTip() or label.pixmap() is not None:
        return []
    if label.textFormat() == Qt.TextFormat.RichText or Qt.mightBeRichText(label.text()):
        need = label.sizeHint().width()
    else:
        need = label.fontMetrics().horizontalAdvance(label.text()) + 2 * label.margin()
    if need > label.width() + 1:
        return [f"label {label.text()[:60]!r} needs {need}px, has {label.width()}px"]
    return []


def clipped_texts(root: QWidget) -> list[str]:
    """Every header, table cell (first rows) and label under root that is cut off
    without a tooltip."""
    found: list[str] = []
    for view in root.findChildren(QTableView):
        if _shown(view) and isinstance(view, QAbstractItemView) \
                and view.objectName() != "registerGrid":
            found += _header_clips(view)
            found += _cell_clips(view)
    for label in root.findChildren(QLabel):
        found += _label_clips(label)
    return found


def _button_clips(button: QPushButton) -> list[str]:
    if not _shown(button) or not button.text():
        return []
    option = QStyleOptionButton()
    button.initStyleOption(option)
    room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option,
                                         button)
    metrics = button.fontMetrics()
    need = max(metrics.horizontalAdvance(line) for line in button.text().splitlines())
    lines = len(button.text().splitlines())
    if need > room.width() + 1 or lines * metrics.height() > room.height() + 2:
        return [f"button {button.text()!r} needs {need}x{lines * metrics.height()}px,"
                f" has {room.width()}x{room.height()}px"]
    return []


def _squeezed(widget: QWidget) -> list[str]:
    """A wrapped label shorter than its text, or a widget reaching out of its parent:
    what a layout squeezed below its minimum does."""
    out = []
    if isinstance(widget, QLabel) and widget.wordWrap() and widget.text() \
            and widget.pixmap().isNull():
        need = widget.heightForWidth(widget.width())
        if need > widget.height() + 1:
            out.append(f"label {widget.text()[:60]!r} needs {need}px high, has"
                       f" {widget.height()}px")
    parent = widget.parentWidget()
    if parent is not None and not widget.isWindow() and parent.objectName() not in (
            "qt_scrollarea_viewport",) and not parent.rect().contains(widget.geometry()):
        out.append(f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()}"
                   f" {_text(widget)!r} at {widget.geometry().getRect()} is outside its"
                   f" parent {parent.width()}x{parent.height()}")
    return out


def _text(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    return str(text())[:40] if callable(text) else ""


def overflow(window: QWidget, width: int, height: int) -> list[str]:
    """Everything that does not fit when `window` is shown on a screen of width x height
    logical pixels: a minimum size larger than the screen, a widget pushed out of its
    parent, a label or button whose text is cut, a scroll area that scrolls sideways."""
    found = []
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    if least.width() > width or least.height() > height:
        found.append(f"needs at least {least.width()}x{least.height()}, the screen is"
                     f" {width}x{height}")
    if window.width() > width or window.height() > height:
        found.append(f"is {window.width()}x{window.height()}, the screen {width}x{height}")
    for widget in [window, *window.findChildren(QWidget)]:
        if not _shown(widget):
            continue
        found += _squeezed(widget)
        if isinstance(widget, QPushButton):
            found += _button_clips(widget)
    found += clipped_texts(window)
    found += sideways(window)
    return found


def pushed_out(root: QWidget) -> list[str]:
    """Every shown widget under root that reaches out of its parent (a layout squeezed
    below its minimum, or a row of wrapped widgets given one row's height)."""
    return [s for w in root.findChildren(QWidget) if _shown(w)
            for s in _squeezed(w) if "outside its parent" in s]


def sideways(root: QWidget) -> list[str]:
    """Every shown scroll area under root whose page is wider than its room (it scrolls
    sideways, or cuts the page off when its bar is turned off)."""
    out = []
    for area in root.findChildren(QScrollArea):
        page = area.widget()
        if page is None or not _shown(area):
            continue
        room = area.viewport().width()
        if area.horizontalScrollBar().maximum() > 0 or page.width() > room:
            out.append(f"{type(page).__name__} {page.objectName()} scrolls sideways:"
                       f" {page.width()}px (at least {page.minimumSizeHint().width()}px)"
                       f" in {room}px")
    return out
