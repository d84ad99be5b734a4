"""Paint letter pages (the service's page operations, in PDF points) with QPainter.

Used for the on-screen preview and for printing through QPrinter, so what is printed is
laid out exactly like the PDF kept in the letters log (PySide6-Essentials has no QtPdf to
render the PDF itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QImage,
    QPainter,
    QPen,
)
from PySide6.QtPrintSupport import QPrinter

from attendance_desktop.gui import theme
from attendance_desktop.services.pdf import pdf_fonts
from attendance_desktop.services.pdf.page_layout import BOLD, PAGE_H, PAGE_W, REGULAR, text_width

Op = tuple[Any, ...]


@lru_cache(maxsize=1)
def _family() -> str:
    """The PDFs' own font (DejaVu Sans, shipped in the package) for the preview and the
    printer, so every name prints and words sit where the PDF puts them."""
    ids = [QFontDatabase.addApplicationFont(str(pdf_fonts.font_path(name)))
           for name in (pdf_fonts.REGULAR, pdf_fonts.BOLD)]
    families = QFontDatabase.applicationFontFamilies(ids[0]) if ids[0] >= 0 else []
    return families[0] if families else "Helvetica"


def _font(name: str, size: float, points_per_unit: float) -> QFont:
    font = QFont(_family())
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(size * points_per_unit)
    font.setBold(name == BOLD)
    return font


def _fitted(painter: QPainter, font: QFont, text: str, width: float | None) -> None:
    """Use the font, squeezed a little if the screen font is wider than the PDF's."""
    if width is not None and width > 0:
        real = QFontMetricsF(font).horizontalAdvance(text)
        if real > width * 1.01:
            font = QFont(font)
            font.setStretch(max(70, int(100 * width / real)))
    painter.setFont(font)


def paint_page(painter: QPainter, ops: Sequence[Op], scale: float) -> None:
    """Draw one page; `scale` is device pixels per PDF point (y runs down on screen)."""
    # The painter is scaled so one unit is one PDF point; a font's point size is measured
    # in device points, so convert (the device may be a 96 dpi image or a 1200 dpi printer).
    ppu = 72.0 / (painter.device().logicalDpiY() or 72)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.scale(scale, scale)

    def y_(y: float) -> float:
        return PAGE_H - y

    for op in ops:
        kind = op[0]
        if kind == "words":
            _, x, y, size, line, colour = op
            painter.setPen(QColor(colour))
            space = text_width(" ", REGULAR, size)
            for word, bold in line:
                font_name = BOLD if bold else REGULAR
                w = text_width(word, font_name, size)
                _fitted(painter, _font(font_name, size, ppu), word, w)
                painter.drawText(QPointF(x, y_(y)), word)
                x += w + space
        elif kind == "text":
            _, x, y, font_name, size, text, align, colour = op
            painter.setPen(QColor(colour))
            w = text_width(text, font_name, size)
            _fitted(painter, _font(font_name, size, ppu), text, w)
            if align == "right":
                x -= w
            elif align == "center":
                x -= w / 2
            painter.drawText(QPointF(x, y_(y)), text)
        elif kind == "line":
            _, x1, y1, x2, y2, width, colour, dashed = op
            pen = QPen(QColor(colour), width)
            if dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(x1, y_(y1)), QPointF(x2, y_(y2)))
        elif kind == "rect":
            _, x, y, w, h, stroke, fill, width = op
            painter.setPen(QPen(QColor(stroke), width) if stroke else Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor(fill)) if fill else Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(x, y_(y + h), w, h))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        elif kind == "circle":
            _, x, y, r, colour = op
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor(colour)))
            painter.drawEllipse(QPointF(x, y_(y)), r, r)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        elif kind == "image":
            _, png, x, y, w, h = op
            image = QImage.fromData(png)
            if not image.isNull():
                painter.drawImage(QRectF(x, y_(y + h), w, h), image)
    painter.restore()


def page_image(ops: Sequence[Op], width_px: int) -> QImage:
    """One page as a white A4 image `width_px` wide (for the preview)."""
    scale = width_px / PAGE_W
    image = QImage(width_px, round(PAGE_H * scale), QImage.Format.Format_RGB32)
    image.fill(theme.WHITE)  # paper is white in any palette
    painter = QPainter(image)
    paint_page(painter, ops, scale)
    painter.end()
    return image


def print_pages(printer: QPrinter, pages: Sequence[Sequence[Op]]) -> None:
    """Send the pages to a printer set up by QPrintDialog (A4, full page)."""
    from PySide6.QtGui import QPageLayout, QPageSize

    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    painter = QPainter(printer)
    try:
        rect = printer.pageRect(QPrinter.Unit.DevicePixel)
        scale = min(rect.width() / PAGE_W, rect.height() / PAGE_H)
        for n, ops in enumerate(pages):
            if n:
                printer.newPage()
            paint_page(painter, ops, scale)
    finally:
        painter.end()
