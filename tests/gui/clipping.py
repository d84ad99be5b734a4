"""Find text a person cannot read in full: a table header or cell cut short, or a one-line
label narrower than its text, with no tooltip that shows the whole."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

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
