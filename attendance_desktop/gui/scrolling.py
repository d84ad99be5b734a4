"""A page in a frameless scroll area: on a small screen or at 125-150% scaling a page
larger than its room scrolls instead of being cut off or pushing the window past the
screen."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


def scrolling(page: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(page)
    return area
