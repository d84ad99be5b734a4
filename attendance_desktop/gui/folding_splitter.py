"""Side-by-side panes that stack when there is not room for them side by side (a page at
125-150% scaling), instead of making the page scroll sideways: a splitter, and a box
layout for Designer forms (`fold`)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QSplitter, QWidget

from attendance_desktop.gui.flow_layout import put_in_place_of


def _least(widget: QWidget) -> QSize:
    return widget.minimumSizeHint().expandedTo(widget.minimumSize())


class FoldingSplitter(QSplitter):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setChildrenCollapsible(False)

    def _across(self) -> int:
        """The width the panes need side by side."""
        shown = [self.widget(i) for i in range(self.count()) if not self.widget(i).isHidden()]
        return sum(_least(w).width() for w in shown) \
            + self.handleWidth() * max(0, len(shown) - 1)

    def minimumSizeHint(self) -> QSize:
        # as narrow as the widest pane: below the side-by-side width the panes stack
        hint = super().minimumSizeHint()
        if self.orientation() == Qt.Orientation.Horizontal:
            widest = max((_least(self.widget(i)).width() for i in range(self.count())),
                         default=0)
            hint.setWidth(widest)
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        wanted = Qt.Orientation.Horizontal if event.size().width() >= self._across() \
            else Qt.Orientation.Vertical
        if wanted != self.orientation():
            self.setOrientation(wanted)
            self.updateGeometry()
        super().resizeEvent(event)


class FoldingBox(QBoxLayout):
    """A row of panes (group boxes side by side) that becomes a column when the room is
    narrower than the panes need side by side; its minimum width is the widest pane's."""

    def __init__(self) -> None:
        super().__init__(QBoxLayout.Direction.LeftToRight)

    def _across(self) -> int:
        items = [self.itemAt(i) for i in range(self.count())]
        shown = [i for i in items if i is not None and not i.isEmpty()]
        return sum(i.minimumSize().width() for i in shown) \
            + max(0, self.spacing()) * max(0, len(shown) - 1)

    def minimumSize(self) -> QSize:
        size = super().minimumSize()
        if self.direction() == QBoxLayout.Direction.LeftToRight:
            margins = self.contentsMargins()
            widest = max((self.itemAt(i).minimumSize().width() for i in range(self.count())),
                         default=0)
            size.setWidth(widest + margins.left() + margins.right())
        return size

    def setGeometry(self, rect: QRect) -> None:
        margins = self.contentsMargins()
        room = rect.width() - margins.left() - margins.right()
        wanted = QBoxLayout.Direction.LeftToRight if room >= self._across() \
            else QBoxLayout.Direction.TopToBottom
        if wanted != self.direction():
            self.setDirection(wanted)
        super().setGeometry(rect)


def fold(row: QBoxLayout) -> FoldingBox:
    """Put a Designer form's side-by-side row (a QHBoxLayout in a box layout) into a
    FoldingBox in the same place, keeping each pane's stretch."""
    box = FoldingBox()
    box.setSpacing(row.spacing())
    stretches = [row.stretch(i) for i in range(row.count())]
    items = [row.takeAt(0) for _ in range(row.count())]
    for item, stretch in zip(items, stretches, strict=True):
        if item.widget() is not None:
            box.addWidget(item.widget(), stretch)
        elif item.layout() is not None:
            box.addLayout(item.layout(), stretch)
    put_in_place_of(row, box)
    return box
