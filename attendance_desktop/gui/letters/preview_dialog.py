"""A window showing letter pages one under another (preview of unsaved wording)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from attendance_desktop.gui import theme
from attendance_desktop.gui.generated.letters.ui_preview_dialog import Ui_PagesPreviewDialog
from attendance_desktop.gui.letters.page_painter import page_image

PAGE_WIDTH = 620


class PagesPreviewDialog(QDialog):
    def __init__(self, pages: Sequence[Sequence[tuple[Any, ...]]], title: str,
                 parent: QWidget | None = None, note: str = "") -> None:
        super().__init__(parent)
        self.ui = Ui_PagesPreviewDialog()
        self.ui.setupUi(self)
        self.setWindowTitle(title)
        # e.g. "No pupil fits this letter today; it is shown for ..., whom it does not fit"
        self.note = self.ui.note
        self.note.setAccessibleName("About this preview")
        self.note.show_warning(note)  # hidden when there is nothing to say
        # The pages are pictures drawn here, one under another.
        inner = QWidget()
        inner.setObjectName("letterPages")
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
        self.ui.scroll.setWidget(inner)
        theme.set_role(self.ui.scroll, "paper-backdrop")  # paper on a darker desk
        self.ui.buttons.rejected.connect(self.reject)
        self.resize(PAGE_WIDTH + 100, 680)
