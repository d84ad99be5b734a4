"""A layout that lays its widgets out in a row and starts a new row when the next one
would not fit: button rows and chips that wrap at 125-150% scaling instead of pushing the
page wider than the window (and so scrolling it sideways)."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QSizePolicy,
    QWidget,
)


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # -- QLayout's bookkeeping -------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def setSpacing(self, spacing: int) -> None:
        self._gap = spacing
        self.invalidate()

    def spacing(self) -> int:
        return self._gap

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), place=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, place=True)

    def sizeHint(self) -> QSize:
        # all in one row when there is room for it
        width = sum(i.sizeHint().width() for i in self._shown()) \
            + self._gap * max(0, len(self._shown()) - 1)
        height = max((i.sizeHint().height() for i in self._shown()), default=0)
        return QSize(width, height).grownBy(self.contentsMargins())

    def minimumSize(self) -> QSize:
        # as narrow as the widest item: every other one goes to a row of its own
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        return size.grownBy(self.contentsMargins())

    # -- placing -------------------------------------------------------------------------------
    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _arrange(self, rect: QRect, *, place: bool) -> int:
        margins: QMargins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        rows: list[list[QLayoutItem]] = [[]]
        x = 0
        for item in self._shown():
            width = item.sizeHint().width()
            if rows[-1] and x + width > area.width():
                rows.append([])
                x = 0
            rows[-1].append(item)
            x += width + self._gap
        y = area.y()
        for row in rows:
            height = max((i.sizeHint().height() for i in row), default=0)
            if place:
                self._place_row(row, area, y, height)
            y += height + self._gap
        used = y - self._gap if any(rows) else y
        return used - rect.y() + margins.bottom()

    def _place_row(self, row: list[QLayoutItem], area: QRect, y: int, height: int) -> None:
        """Left to right; the room left over goes to the items that may grow sideways,
        and an item that may grow in height takes the row's height (chips line up)."""
        widths = [i.sizeHint().width() for i in row]
        growing = [n for n, i in enumerate(row)
                   if i.expandingDirections() & Qt.Orientation.Horizontal]
        spare = area.width() - sum(widths) - self._gap * (len(row) - 1)
        for k, n in enumerate(growing):
            widths[n] += spare // len(growing) + (1 if k < spare % len(growing) else 0)
        x = area.x()
        for item, width in zip(row, widths, strict=True):
            item_height = item.sizeHint().height()
            widget = item.widget()
            if widget is not None and widget.sizePolicy().verticalPolicy() \
                    != QSizePolicy.Policy.Fixed:
                item_height = height
            item.setGeometry(QRect(QPoint(x, y), QSize(min(width, area.width()), item_height)))
            x += width + self._gap


def flow_row(*widgets: QWidget, spacing: int = 6) -> QWidget:
    """A widget holding widgets in a FlowLayout (a button or filter row that wraps)."""
    host = QWidget()
    layout = FlowLayout(host, spacing=spacing)
    for widget in widgets:
        layout.addWidget(widget)
    return host


def pair(label: QWidget, field: QWidget, stretch: bool = False) -> QWidget:
    """A label and its field kept together on one line of a flow row; with stretch the
    pair takes the row's spare room (a search box)."""
    host = QWidget()
    row = QHBoxLayout(host)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(label)
    row.addWidget(field, 1 if stretch else 0)  # (a stretch would make every pair grow)
    if stretch:
        host.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return host


def reflow(row: QBoxLayout, spacing: int = 6) -> FlowLayout:
    """Turn a row of a Designer form (a QHBoxLayout inside a box layout) into a FlowLayout
    in the same place: a label stays with the field after it, spacers and stretches go
    (the flow spreads the room itself)."""
    items = [row.takeAt(0) for _ in range(row.count())]
    flow = FlowLayout(spacing=spacing)
    i = 0
    while i < len(items):
        item = items[i]
        widget, following = item.widget(), items[i + 1].widget() if i + 1 < len(items) else None
        if widget is None:
            if item.layout() is not None:
                flow.addItem(item)
        elif isinstance(widget, QLabel) and following is not None \
                and not isinstance(following, QLabel):
            flow.addWidget(pair(widget, following))
            i += 1
        else:
            flow.addWidget(widget)
        i += 1
    put_in_place_of(row, flow)
    return flow


def put_in_place_of(row: QBoxLayout, new: QLayout) -> None:
    """`new` where `row` stood in its parent box layout (same place, same stretch), and
    `row` (emptied by the caller) deleted."""
    parent = row.parent()
    if isinstance(parent, QBoxLayout):
        index = parent.indexOf(row)
        stretch = parent.stretch(index)
        parent.takeAt(index)
        parent.insertLayout(index, new, stretch)
    row.deleteLater()
