"""Drawing laid-out pages on a ReportLab canvas, and the finished PDF.

Layout happens once: `Composer` turns text into pages of drawing operations (`Page`),
which `draw_pages` replays on any canvas. A batch replays each letter onto its own file
and onto the combined batch file without laying it out twice."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from attendance_desktop.services.pdf import pdf_fonts
from attendance_desktop.services.pdf.letterhead import Letterhead, full_pages, logo_reader
from attendance_desktop.services.pdf.page_layout import BOLD, REGULAR, Op, Page, text_width

# -- drawing on a ReportLab canvas ------------------------------------------------------


@lru_cache(maxsize=64)
def _colour(hex_: str) -> Any:
    return HexColor(hex_)


class _Painter:
    """Replays operations on a canvas, putting consecutive text into ONE text object and
    setting font and colour only when they change: a letter page is ~30 strings, and a
    text object per string (what drawString does) costs more than laying the page out."""

    def __init__(self, c: Canvas) -> None:
        self.c = c
        self.text: Any = None
        self.font: tuple[str, float] | None = None
        self.fill: str | None = None

    def _text(self) -> Any:
        if self.text is None:
            self.text = self.c.beginText()
            self.font = None
            self.fill = None
        return self.text

    def flush(self) -> None:
        if self.text is not None:
            self.c.drawText(self.text)
            self.text = None
            self.fill = None  # the canvas keeps the colour set inside the text object

    def string(self, x: float, y: float, font: str, size: float, text: str,
               colour: str) -> None:
        t = self._text()
        if self.fill != colour:
            t.setFillColor(_colour(colour))
            self.fill = colour
        if self.font != (font, size):
            t.setFont(font, size)
            self.font = (font, size)
        t.setTextOrigin(x, y)
        t.textOut(text)

    def op(self, op: Op) -> None:
        kind = op[0]
        if kind == "words":
            _, x, y, size, line, colour = op
            space = text_width(" ", REGULAR, size)
            run: list[str] = []
            run_bold = False
            for word, bold in line:
                if run and bold != run_bold:
                    text = " ".join(run)
                    font = BOLD if run_bold else REGULAR
                    self.string(x, y, font, size, text, colour)
                    x += text_width(text, font, size) + space
                    run = []
                run_bold = bold
                run.append(word)
            if run:
                self.string(x, y, BOLD if run_bold else REGULAR, size, " ".join(run), colour)
            return
        if kind == "text":
            _, x, y, font, size, text, align, colour = op
            if align == "right":
                x -= text_width(text, font, size)
            elif align == "center":
                x -= text_width(text, font, size) / 2
            self.string(x, y, font, size, text, colour)
            return
        self.flush()
        c = self.c
        if kind == "line":
            _, x1, y1, x2, y2, width, colour, dashed = op
            c.setStrokeColor(_colour(colour))
            c.setLineWidth(width)
            if dashed:
                c.setDash(3, 2)
            c.line(x1, y1, x2, y2)
            if dashed:
                c.setDash()
        elif kind == "rect":
            _, x, y, w, h, stroke, fill, width = op
            if stroke:
                c.setStrokeColor(_colour(stroke))
                c.setLineWidth(width)
            if fill:
                c.setFillColor(_colour(fill))
            c.rect(x, y, w, h, stroke=1 if stroke else 0, fill=1 if fill else 0)
        elif kind == "circle":
            _, x, y, r, colour = op
            c.setFillColor(_colour(colour))
            c.circle(x, y, r, stroke=0, fill=1)
        elif kind == "image":
            _, png, x, y, w, h = op
            reader = logo_reader(png)
            if reader is not None:
                c.drawImage(reader, x, y, width=w, height=h, mask="auto")


def draw_pages(c: Canvas, head: Letterhead, pages: Sequence[Page]) -> None:
    """Replay one document's pages onto a canvas (page numbers count within `pages`)."""
    for ops in full_pages(head, pages):
        painter = _Painter(c)
        for op in ops:
            painter.op(op)
        painter.flush()
        c.showPage()


def new_canvas(buffer: io.BytesIO | str, title: str, author: str = "") -> Canvas:
    pdf_fonts.ensure_fonts()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=REGULAR)
    c.setTitle(title)
    if author:
        c.setAuthor(author)
    return c


def render_pdf(documents: Sequence[Sequence[Page]], head: Letterhead, title: str) -> bytes:
    """One PDF holding the documents one after another (each numbered on its own)."""
    buf = io.BytesIO()
    c = new_canvas(buf, title, head.school_name)
    for pages in documents:
        draw_pages(c, head, pages)
    c.save()
    return buf.getvalue()
