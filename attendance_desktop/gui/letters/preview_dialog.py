"""A window showing letter pages one under another (preview of unsaved wording)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.letters.page_painter import page_image

PAGE_WIDTH = 620


class PagesPreviewDialog(QDialog):
    def __init__(self, pages: Sequence[Sequence[tuple[Any, ...]]], title: str,
                 parent: QWidget | None = None, note: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        # e.g. "No pupil fits this letter today; it is shown for ..., whom it does not fit"
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        self.note.setAccessibleName("About this preview")
        theme.set_role(self.note, "banner-warning")
        self.note.setVisible(bool(note))
        layout.addWidget(self.note)
        inner = QWidget()
        col = QVBoxLayout(inner)
        col.setSpacing(12)
        self.page_labels: list[QLabel] = []
        for n, ops in enumerate(pages, start=1):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(page_image(ops, PAGE_WIDTH)))
            label.setAccessibleName(f"Page {n} of {len(pages)}")
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            col.addWidget(label)
            self.page_labels.append(label)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        theme.set_role(scroll, "paper-backdrop")
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(PAGE_WIDTH + 100, 680)
