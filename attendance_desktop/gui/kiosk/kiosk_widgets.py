"""Touch-first building blocks for the kiosk: big buttons, pupil tiles, a letter pad."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.kiosk.kiosk_fit import elide_lines

if TYPE_CHECKING:  # the database stack: not needed to show the kiosk's first screen
    from attendance_desktop.services.kiosk.kiosk_service import KioskPupil

MIN_TARGET = 72  # px: comfortably above the ~64 px a finger needs
TILE_SIZE = QSize(224, 176)
AVATAR = 80
# compact (kiosk_fit): the name beside a smaller photo, a tile as wide as the row allows
COMPACT_TILE = QSize(216, 64)
COMPACT_AVATAR = 48

def big_button(text: str, accessible: str = "", *, primary: bool = False,
               big: bool = False, quiet: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(accessible or text.replace("\n", " "))
    button.setMinimumHeight(64 if quiet else MIN_TARGET)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    for name, on in (("primary", primary), ("big", big), ("quiet", quiet)):
        if on:
            button.setProperty(name, "true")
    return button


def avatar(pupil: KioskPupil, size: int = AVATAR) -> QPixmap:
    """The pupil's photo cropped to a circle, or their initials on a coloured circle."""
    out = QPixmap(size, size)
    out.fill(theme.TRANSPARENT)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addEllipse(0, 0, size, size)
    photo = QPixmap()
    if pupil.photo_png and photo.loadFromData(pupil.photo_png):
        painter.setClipPath(path)
        scaled = photo.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                              Qt.TransformationMode.SmoothTransformation)
        painter.drawPixmap((size - scaled.width()) // 2, (size - scaled.height()) // 2, scaled)
    else:
        painter.fillPath(path, QColor(theme.AVATARS[pupil.id % len(theme.AVATARS)]))
        font = QFont()
        font.setPixelSize(int(size * 0.4))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(theme.WHITE)
        painter.drawText(out.rect(), Qt.AlignmentFlag.AlignCenter, pupil.initials)
    painter.end()
    return out


class PupilTile(QToolButton):
    """A big tile with the pupil's photo or initials and name (nothing else)."""

    def __init__(self, pupil: KioskPupil, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pupil = pupil
        self.setAccessibleName(f"Choose {pupil.name}")
        self.setToolTip(pupil.name)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.set_size(TILE_SIZE, compact=False)

    def set_size(self, size: QSize, *, compact: bool) -> None:
        """Photo above the name, or (compact) beside it; a name too long for the tile
        is shortened with "…" (its tooltip and accessible name keep the whole)."""
        self.ensurePolished()  # the kiosk's tile font (style.qss), to measure the name
        picture = COMPACT_AVATAR if compact else AVATAR
        self.setIcon(QIcon(avatar(self.pupil, picture)))
        self.setIconSize(QSize(picture, picture))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon if compact
                                else Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setFixedSize(size)
        room = size.width() - 24 - (picture + 8 if compact else 0)  # padding, border
        self.setText(elide_lines((self.pupil.forename, self.pupil.surname),
                                 self.fontMetrics(), room))


class LetterPad(QWidget):
    """A–Z in two rows, then space, rub out and clear: typing for small fingers."""

    typed = Signal(str)
    erased = Signal()
    cleared = Signal()

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for i, letter in enumerate(letters):
            key = big_button(letter, f"Letter {letter}")
            key.setProperty("key", "true")
            key.setMinimumHeight(64)
            key.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the search box
            key.clicked.connect(self._on_key)
            self.keys[letter] = key
            grid.addWidget(key, i // 13, i % 13)
        space = big_button("Space", "Space")
        erase = big_button("⌫  Rub out", "Rub out the last letter")
        clear = big_button("Clear", "Clear all letters")
        for col, (button, span) in enumerate(((space, 7), (erase, 3), (clear, 3))):
            button.setProperty("key", "true")
            button.setMinimumHeight(64)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            grid.addWidget(button, 2, (0, 7, 10)[col], 1, span)
        space.clicked.connect(lambda: self.typed.emit(" "))
        erase.clicked.connect(self.erased)
        clear.clicked.connect(self.cleared)

    @Slot()
    def _on_key(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.typed.emit(button.text().lower())
