"""Small pieces shared by the pages and dialogs of every area (messages, dates, headings)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, Qt, QTime
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QWidget

from attendance_desktop.gui import theme


class MessageLabel(QLabel):
    """A word-wrapped banner for errors, warnings and confirmations; hidden when empty.

    Its look comes from the application stylesheet (resources/style.qss) through the
    dynamic properties "banner" and "role" ("error", "warning" or "ok"), never from
    colours here."""

    def __init__(self, name: str | QWidget | None = "message",
                 parent: QWidget | None = None) -> None:
        if not isinstance(name, str):  # uic builds promoted widgets as MessageLabel(parent)
            name, parent = "message", name
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Message")
        self.setProperty("banner", True)  # styled as a banner: QLabel[banner="true"][role=...]
        self.hide()

    def show_error(self, text: str) -> None:
        self._show(text, "error")

    def show_warning(self, text: str) -> None:
        self._show(text, "warning")

    def show_ok(self, text: str) -> None:
        self._show(text, "ok")

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    def _show(self, text: str, role: str) -> None:
        if not text:
            self.clear_message()
            return
        if self.property("role") != role:
            theme.set_role(self, role)  # the stylesheet's [banner][role=...] rules apply
        self.setText(text)
        self.show()


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"• {i}" for i in items)


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def qtime(t: dt.time) -> QTime:
    return QTime(t.hour, t.minute)


def pytime(value: QTime) -> dt.time:
    return dt.time(value.hour(), value.minute())


def image_file_to_png(path: str, max_side: int) -> bytes | None:
    """Read a PNG or JPEG, shrink it to fit max_side pixels, and return PNG bytes."""
    image = QImage(path)
    if image.isNull():
        return None
    if max(image.width(), image.height()) > max_side:
        image = image.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    theme.set_role(label, "muted")
    return label
