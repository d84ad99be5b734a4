"""Touch-first building blocks for the kiosk: big buttons, pupil tiles, a letter pad."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from attendance_desktop.services.kiosk.kiosk_service import KioskPupil

MIN_TARGET = 72  # px: comfortably above the ~64 px a finger needs
TILE_SIZE = QSize(224, 176)
AVATAR = 80

KIOSK_STYLE = """
QWidget#kiosk { background: #eef3f8; }
QWidget#kiosk QLabel { font-size: 20pt; color: #1b2733; }
QWidget#kiosk QLabel[role="heading"] { font-size: 30pt; font-weight: 600; }
QWidget#kiosk QLabel[role="hint"] { font-size: 16pt; color: #3d4f61; }
QWidget#kiosk QLabel[role="clock"] { font-size: 24pt; font-weight: 600; }
QWidget#kiosk QLabel[role="title"] { font-size: 24pt; font-weight: 600; }
QWidget#kiosk QPushButton, QWidget#kiosk QToolButton {
    font-size: 20pt; padding: 6px 18px; border-radius: 12px;
    background: #ffffff; border: 2px solid #9fb3c8; color: #1b2733;
}
QWidget#kiosk QPushButton { min-height: 60px; }  /* + padding and border: 76 px */
QWidget#kiosk QToolButton { font-size: 15pt; padding: 4px; }
QWidget#tiles { background: transparent; }
QWidget#kiosk QScrollBar:vertical { width: 30px; }
QWidget#kiosk QPushButton:pressed, QWidget#kiosk QToolButton:pressed { background: #d3e3f3; }
QWidget#kiosk QPushButton:focus, QWidget#kiosk QToolButton:focus {
    border: 4px solid #1f6feb;
}
QWidget#kiosk QPushButton:checked { background: #1f6feb; color: white; border-color: #1f6feb; }
QWidget#kiosk QPushButton[primary="true"] {
    background: #1a7f37; color: white; border-color: #1a7f37; font-weight: 600;
}
QWidget#kiosk QPushButton[big="true"] { font-size: 26pt; min-height: 104px; }
QWidget#kiosk QPushButton[hero="true"] { font-size: 26pt; min-height: 170px; padding: 6px; }
QWidget#kiosk QPushButton[quiet="true"] {
    font-size: 14pt; min-height: 48px; background: transparent; border-color: #b8c6d4;
    color: #3d4f61;
}
QWidget#kiosk QPushButton[key="true"] {
    font-size: 22pt; padding: 0; font-weight: 600; min-height: 60px;
}
QWidget#kiosk QPushButton[chip="true"] { font-size: 17pt; min-height: 52px; padding: 4px 12px; }
QWidget#kiosk QLineEdit {
    font-size: 28pt; min-height: 64px; padding: 0 16px; border-radius: 12px;
    border: 2px solid #9fb3c8; background: white;
}
QWidget#kiosk QScrollArea { border: none; background: transparent; }
QWidget#kiosk QFrame#card {
    background: white; border: 2px solid #c9d6e2; border-radius: 18px;
}
"""


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
    out.fill(Qt.GlobalColor.transparent)
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
        palette = ("#1f6feb", "#8250df", "#bf3989", "#cf222e", "#bc4c00", "#1a7f37",
                   "#0969da", "#6639ba")
        painter.fillPath(path, QColor(palette[pupil.id % len(palette)]))
        font = QFont()
        font.setPixelSize(int(size * 0.4))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(out.rect(), Qt.AlignmentFlag.AlignCenter, pupil.initials)
    painter.end()
    return out


class PupilTile(QToolButton):
    """A big tile with the pupil's photo or initials and name (nothing else)."""

    def __init__(self, pupil: KioskPupil) -> None:
        super().__init__()
        self.pupil = pupil
        self.setText(f"{pupil.forename}\n{pupil.surname}")
        self.setIcon(QIcon(avatar(pupil)))
        self.setIconSize(QSize(AVATAR, AVATAR))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setFixedSize(TILE_SIZE)
        self.setAccessibleName(f"Choose {pupil.name}")
        self.setToolTip(pupil.name)
        self.setCursor(Qt.CursorShape.PointingHandCursor)


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
