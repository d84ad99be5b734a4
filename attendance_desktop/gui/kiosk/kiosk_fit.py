"""The kiosk on a small screen: 1366x768 at 125% or 150% scaling leaves 1093x614 or 911x512
logical pixels, where the full-size kiosk (made for 1024x700 and up) does not fit.

The text keeps its size (whoever chose 150% wants it large). What gives is the room
around it: a "compact" property on the kiosk picks tighter rules in resources/style.qss
(touch targets of 44 logical px, which at 125-150% are still 55-66 screen pixels, well
above a finger's ~40), and the layout here: smaller margins, pupil tiles with the name
beside the photo, long button text on two lines, the PIN pad beside the PIN.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

FULL_SIZE = QSize(1024, 700)  # below this in either direction: compact
COMPACT_TARGET = 44  # logical px: a key or button in compact mode (style.qss)


def is_compact(size: QSize) -> bool:
    return size.width() < FULL_SIZE.width() or size.height() < FULL_SIZE.height()


def set_compact(root: QWidget, on: bool) -> bool:
    """Give root (and so its children, through the stylesheet) the compact look; True
    when that changed anything."""
    if bool(root.property("compact") == "true") == on:
        return False
    root.setProperty("compact", "true" if on else "false")
    style = root.style()
    for widget in (root, *root.findChildren(QWidget)):
        style.unpolish(widget)  # a dynamic property is only read again on a new polish
        style.polish(widget)
    return True


def wrap_text(text: str, metrics: QFontMetrics, width: int) -> str:
    """text with line breaks between words so that no line is wider than width (a word
    wider than that keeps a line of its own). QPushButton does not wrap by itself."""
    lines: list[str] = []
    for word in text.split():
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def elide_lines(lines: tuple[str, ...], metrics: QFontMetrics, width: int) -> str:
    """Each line shortened with "…" to fit width (the full text goes in a tooltip)."""
    return "\n".join(metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
                     for line in lines)
