"""A side-by-side splitter that stacks its panes when there is not room for them side by
side (a page at 125-150% scaling), instead of making the page scroll sideways."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget


class FoldingSplitter(QSplitter):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setChildrenCollapsible(False)

    def _across(self) -> int:
        """The width the panes need side by side."""
        shown = [self.widget(i) for i in range(self.count()) if not self.widget(i).isHidden()]
        return sum(w.minimumSizeHint().expandedTo(w.minimumSize()).width() for w in shown) \
            + self.handleWidth() * max(0, len(shown) - 1)

    def minimumSizeHint(self) -> QSize:
        # as narrow as the widest pane: below the side-by-side width the panes stack
        hint = super().minimumSizeHint()
        if self.orientation() == Qt.Orientation.Horizontal:
            widest = max((self.widget(i).minimumSizeHint().width()
                          for i in range(self.count())), default=0)
            hint.setWidth(widest)
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        wanted = Qt.Orientation.Horizontal if event.size().width() >= self._across() \
            else Qt.Orientation.Vertical
        if wanted != self.orientation():
            self.setOrientation(wanted)
            self.updateGeometry()
        super().resizeEvent(event)
