"""A window no larger than the screen it opens on: a Designer form's saved size (made on
a large screen) would otherwise open past the edges of 1366x768 at 125-150% scaling."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

TITLE_BAR = 30  # logical px the window manager adds above a window


def fit_to_screen(window: QWidget) -> None:
    screen = window.screen()
    if screen is None:
        return
    room = screen.availableGeometry().size() - QSize(0, TITLE_BAR)
    window.resize(window.size().boundedTo(room).expandedTo(window.minimumSizeHint()))
