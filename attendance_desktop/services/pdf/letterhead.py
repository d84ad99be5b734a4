"""The school's letterhead and a small, fast page composer on ReportLab's canvas (A4).

Reuse it for any printed page (letters, reports, registers):

    head = Letterhead.from_details(school_service.get_school(engine).details)
    comp = Composer(head)                  # starts page 1 with the letterhead
    comp.paragraph("Dear Ms Example,")     # **bold** words allowed
    comp.signature("A Head", "Headteacher")
    pdf_bytes = render_pdf([comp.pages], title="Letter")

Layout happens once: `Composer` turns text into pages of drawing operations (`Page`),
which `draw_pages` replays on any canvas. A batch replays each letter onto its own file
and onto the combined batch file without laying it out twice. Type is DejaVu Sans 11 pt on
15 pt leading (readable for parents and for photocopies), margins 20 mm; the font is
shipped with the app and embedded (services/pdf/pdf_fonts.py) so every name prints.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from attendance_desktop.services.pdf import pdf_fonts

PAGE_W, PAGE_H = A4
MARGIN = 20 * mm
TOP = PAGE_H - 16 * mm
BOTTOM = 22 * mm
TEXT_W = PAGE_W - 2 * MARGIN
BODY_SIZE = 11.0
LEADING = 15.0
REGULAR = pdf_fonts.REGULAR
BOLD = pdf_fonts.BOLD
INK = "#1a1a1a"
ACCENT = "#1f4e79"
GREY = "#555555"
RULE = "#9db3c8"
HEADER_FILL = "#e8eef5"

Op = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What goes at the top and bottom of every page."""

    school_name: str
    address: str = ""  # lines separated by newlines or commas
    postcode: str = ""
    phone: str = ""
    email: str = ""
    head_name: str = ""
    attendance_lead_name: str = ""
    logo_png: bytes | None = None

    @classmethod
    def from_details(cls, details: Any) -> Letterhead:
        """From `school_service.SchoolDetails` (or anything with the same attributes)."""
        return cls(details.name, details.address, details.postcode, details.phone,
                   details.email, details.head_name, details.attendance_lead_name,
                   details.logo_png)

    def address_lines(self) -> list[str]:
        raw = self.address.replace("\r", "").replace(",", "\n").split("\n")
        lines = [x.strip() for x in raw if x.strip()]
        if self.postcode.strip():
            lines.append(self.postcode.strip())
        return lines

    def contact_line(self) -> str:
        parts = []
        if self.phone:
            parts.append(f"Telephone {self.phone}")
        if self.email:
            parts.append(self.email)
        return "  ·  ".join(parts)


@dataclass(slots=True)
class Page:
    """Drawing operations for one page, replayed by `draw_pages`."""

    ops: list[Op] = field(default_factory=list)
    letterhead: bool = True  # draw the school's heading band at the top
    border: bool = False  # certificates get a decorative border


@lru_cache(maxsize=1)
def _logo_cache() -> dict[bytes, ImageReader]:
    return {}


def logo_reader(png: bytes | None) -> ImageReader | None:
    """One decoded ImageReader per logo, reused by every page and canvas."""
    if not png:
        return None
    cache = _logo_cache()
    reader = cache.get(png)
    if reader is None:
        try:
            reader = ImageReader(io.BytesIO(png))
        except Exception:  # a broken logo must not stop letters going out
            return None
        if len(cache) > 8:
            cache.clear()
        cache[png] = reader
    return reader


@lru_cache(maxsize=50_000)
def _width(text: str, font: str, size: float) -> float:
    pdf_fonts.ensure_fonts()  # measuring needs the font registered (cheap once done)
    return float(stringWidth(text, font, size))


def text_width(text: str, font: str, size: float) -> float:
    """Width in points of `text` in a registered font (cached)."""
    return _width(text, font, size)


# Words split at ordinary spaces only: a no-break space (U+00A0) keeps "01234 567890" whole.
_WORD_SPLIT = re.compile(r"[ \t\r\n]+")


def tokens(text: str) -> list[tuple[str, bool]]:
    """Words with a bold flag; `**` toggles bold (so `**Amy Example**` is bold)."""
    out: list[tuple[str, bool]] = []
    bold = False
    glue = False  # the previous part ended inside a word ("**92.9%**," or "(**Amy**")
    for i, part in enumerate(text.split("**")):
        if i:
            bold = not bold
        words = _WORD_SPLIT.split(part.strip(" \t\r\n")) if part.strip(" \t\r\n") else []
        if words and glue and out and part[0] not in " \t\r\n":
            # keep "Parent," together; a word half bold is printed bold
            prev, prev_bold = out.pop()
            out.append((prev + words.pop(0), prev_bold or bold))
        out.extend((w, bold) for w in words)
        glue = (bool(part) and part[-1] not in " \t\r\n") or (not part and glue)
    return out


def wrap(text: str, width: float, size: float = BODY_SIZE,
         bold_all: bool = False) -> list[list[tuple[str, bool]]]:
    """Greedy word wrap; each line is a list of (word, bold). Keeps explicit newlines."""
    lines: list[list[tuple[str, bool]]] = []
    space = _width(" ", REGULAR, size)
    for raw in text.split("\n"):
        line: list[tuple[str, bool]] = []
        used = 0.0
        for word, bold in tokens(raw):
            bold = bold or bold_all
            w = _width(word, BOLD if bold else REGULAR, size)
            if line and used + space + w > width:
                lines.append(line)
                line, used = [], 0.0
            used += (space if line else 0.0) + w
            line.append((word, bold))
        lines.append(line)
    return lines


def line_width(line: Sequence[tuple[str, bool]], size: float) -> float:
    if not line:
        return 0.0
    space = _width(" ", REGULAR, size)
    return sum(_width(w, BOLD if b else REGULAR, size) for w, b in line) + space * (len(line) - 1)


class Composer:
    """Lays text out on A4 pages: paragraphs, headings, lists, tables, forms, signatures."""

    def __init__(self, letterhead: Letterhead, *, with_letterhead: bool = True,
                 border: bool = False) -> None:
        self.head = letterhead
        self.with_letterhead = with_letterhead
        self.border = border
        self.pages: list[Page] = []
        self.y = 0.0
        self.new_page()

    # -- pages -------------------------------------------------------------------
    @property
    def top(self) -> float:
        return float(PAGE_H - 50 * mm if self.with_letterhead else TOP - 10 * mm)

    def new_page(self) -> None:
        self.pages.append(Page(letterhead=self.with_letterhead, border=self.border))
        self.y = self.top

    def ensure(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.new_page()

    def add(self, op: Op) -> None:
        self.pages[-1].ops.append(op)

    # -- text --------------------------------------------------------------------
    def text_lines(self, lines: list[list[tuple[str, bool]]], *, x: float = MARGIN,
                   size: float = BODY_SIZE, leading: float = LEADING, align: str = "left",
                   width: float = TEXT_W, colour: str = INK) -> None:
        for line in lines:
            self.ensure(leading)
            self.y -= leading
            if align == "center":
                lx = x + (width - line_width(line, size)) / 2
            elif align == "right":
                lx = x + width - line_width(line, size)
            else:
                lx = x
            self.add(("words", lx, self.y + leading * 0.25, size, tuple(line), colour))

    def paragraph(self, text: str, *, size: float = BODY_SIZE, bold: bool = False,
                  align: str = "left", space_after: float = 7.0, indent: float = 0.0,
                  colour: str = INK) -> None:
        leading = size * LEADING / BODY_SIZE
        lines = wrap(text, TEXT_W - indent, size, bold)
        # keep short paragraphs (up to 3 lines) together on one page
        if len(lines) <= 3:
            self.ensure(leading * len(lines))
        self.text_lines(lines, x=MARGIN + indent, size=size, leading=leading, align=align,
                        width=TEXT_W - indent, colour=colour)
        self.y -= space_after

    def heading(self, text: str, level: int = 1, align: str = "left") -> None:
        size = 15.0 if level == 1 else 12.5
        self.ensure(size * 3)
        self.y -= 4
        self.paragraph(text, size=size, bold=True, align=align, space_after=5,
                       colour=ACCENT)

    def bullet(self, text: str) -> None:
        lines = wrap(text, TEXT_W - 6 * mm)
        self.ensure(LEADING * min(len(lines), 2))
        self.add(("circle", MARGIN + 2.2 * mm, self.y - LEADING + LEADING * 0.25 + 3.2, 1.4,
                  INK))
        self.text_lines(lines, x=MARGIN + 6 * mm, width=TEXT_W - 6 * mm)
        self.y -= 3

    def tick_box(self, text: str) -> None:
        lines = wrap(text, TEXT_W - 8 * mm)
        self.ensure(LEADING * len(lines) + 4)
        box_y = self.y - LEADING + LEADING * 0.25 - 1.5
        self.add(("rect", MARGIN + 0.5 * mm, box_y, 10, 10, INK, None, 0.8))
        self.text_lines(lines, x=MARGIN + 8 * mm, width=TEXT_W - 8 * mm)
        self.y -= 5

    def spacer(self, height: float) -> None:
        self.y -= height
        if self.y < BOTTOM:
            self.new_page()

    def rule(self) -> None:
        self.ensure(8)
        self.y -= 4
        self.add(("line", MARGIN, self.y, MARGIN + TEXT_W, self.y, 0.6, RULE, False))
        self.y -= 6

    # -- blocks ------------------------------------------------------------------
    def address_and_date(self, address: Sequence[str], date_text: str) -> None:
        """The addressee block on the left (for a window envelope) and the date on the right."""
        start = self.y
        self.add(("text", PAGE_W - MARGIN, start - LEADING + 4, REGULAR, BODY_SIZE, date_text,
                  "right", INK))
        for line in address:
            self.y -= LEADING
            self.add(("text", MARGIN, self.y + 4, REGULAR, BODY_SIZE, line, "left", INK))
        self.y = min(self.y, start - LEADING) - 18

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float] | None = None, *, size: float = 10.5) -> None:
        """A simple ruled table; `widths` are fractions of the text width.

        Without widths, every column but the first two is as wide as its widest cell and
        the first two share what is left (names and classes)."""
        if widths is None:
            natural = [max([_width(str(r[c]), BOLD if i == 0 else REGULAR, size)
                            for i, r in enumerate([list(header), *rows])]) + 10
                       for c in range(len(header))]
            rest = TEXT_W - sum(natural[2:])
            share = natural[0] + natural[1]
            cols = [rest * natural[0] / share, rest * natural[1] / share, *natural[2:]]
            if rest < share * 0.6:  # too wide: fall back to equal columns
                cols = [TEXT_W / len(header)] * len(header)
        else:
            cols = [w * TEXT_W for w in widths]
        row_h = size + 9
        self.ensure(row_h * min(len(rows) + 1, 4))
        for r, row in enumerate([list(header), *[list(x) for x in rows]]):
            if self.y - row_h < BOTTOM:
                self.new_page()
            top = self.y
            if r == 0:
                self.add(("rect", MARGIN, top - row_h, TEXT_W, row_h, None, HEADER_FILL, 0))
            x = MARGIN
            for c, cell in enumerate(row):
                font = BOLD if r == 0 else REGULAR
                text = _fit(cell, font, size, cols[c] - 8)
                if c <= 1:  # names and classes left, figures right
                    self.add(("text", x + 4, top - row_h + 6, font, size, text, "left", INK))
                else:
                    self.add(("text", x + cols[c] - 4, top - row_h + 6, font, size, text,
                              "right", INK))
                x += cols[c]
            self.y = top - row_h
            self.add(("line", MARGIN, self.y, MARGIN + TEXT_W, self.y, 0.5, RULE, False))
        self.y -= 10

    def write_in(self, label: str, lines: int = 1, value: str = "") -> None:
        """A labelled space to write in: the label, then ruled lines (value printed if given).

        Labels sit in a fixed column so a form's lines start at the same place; a label too
        long for the column gets a line of its own above the writing lines."""
        column = 48 * mm
        step = LEADING * 1.45
        own_line = _width(label, BOLD, BODY_SIZE) > column - 6
        self.ensure(step * (max(lines, 1) + (1 if own_line else 0)) + 4)
        if own_line:
            self.y -= step
            self.add(("text", MARGIN, self.y + 3, BOLD, BODY_SIZE,
                      _fit(label, BOLD, BODY_SIZE, TEXT_W), "left", INK))
        for i in range(max(lines, 1)):
            self.y -= step
            if i == 0 and not own_line:
                self.add(("text", MARGIN, self.y + 3, BOLD, BODY_SIZE, label, "left", INK))
            x0 = MARGIN + (column if i == 0 and not own_line else 0)
            self.add(("line", x0, self.y, MARGIN + TEXT_W, self.y, 0.5, GREY, False))
            if i == 0 and value:
                self.add(("text", x0 + 4, self.y + 3, REGULAR, BODY_SIZE,
                          _fit(value, REGULAR, BODY_SIZE, MARGIN + TEXT_W - x0 - 8), "left",
                          INK))
        self.y -= 3

    def signature(self, name: str, role: str, *, centred: bool = False) -> None:
        """Space for a handwritten signature, then the name and role."""
        self.ensure(LEADING * 4 + 10)
        sx = MARGIN + (TEXT_W - 60 * mm) / 2 if centred else MARGIN
        tx, align = (MARGIN + TEXT_W / 2, "center") if centred else (MARGIN, "left")
        self.y -= 34
        self.add(("line", sx, self.y, sx + 60 * mm, self.y, 0.5, GREY, False))
        self.y -= LEADING
        self.add(("text", tx, self.y + 3, BOLD, BODY_SIZE, name, align, INK))
        if role:
            self.y -= LEADING
            self.add(("text", tx, self.y + 3, REGULAR, BODY_SIZE, role, align, INK))
        self.y -= 8

    def sign_lines(self, labels: Iterable[str]) -> None:
        """Signature and date lines for each party (contracts and forms)."""
        for label in labels:
            self.ensure(LEADING * 3)
            self.y -= LEADING * 2.2
            self.add(("text", MARGIN, self.y + 3, BOLD, BODY_SIZE,
                      _fit(label, BOLD, BODY_SIZE, 52 * mm), "left", INK))
            self.add(("line", MARGIN + 55 * mm, self.y, MARGIN + 125 * mm, self.y, 0.5, GREY,
                      False))
            self.add(("text", MARGIN + 128 * mm, self.y + 3, REGULAR, BODY_SIZE, "Date",
                      "left", INK))
            self.add(("line", MARGIN + 139 * mm, self.y, MARGIN + TEXT_W, self.y, 0.5, GREY,
                      False))
        self.y -= 8

    def bar_chart(self, bars: Sequence[tuple[str, float | None]], target: float | None,
                  *, title: str = "") -> None:
        """Horizontal bars from 0 to 100% with a dashed target line (one bar per row)."""
        bar_h, gap, label_w = 14.0, 8.0, 42 * mm
        height = (bar_h + gap) * len(bars) + 30 + (16 if title else 0)
        self.ensure(height)
        if title:
            self.y -= 14
            self.add(("text", MARGIN, self.y, BOLD, 10.5, title, "left", INK))
        x0 = MARGIN + label_w
        width = TEXT_W - label_w - 18 * mm
        self.y -= 6
        top = self.y
        for label, pct in bars:
            self.y -= bar_h + gap
            by = self.y + gap / 2
            self.add(("text", MARGIN, by + 3.5, REGULAR, 10, _fit(label, REGULAR, 10,
                                                                   label_w - 6), "left", INK))
            self.add(("rect", x0, by, width, bar_h, RULE, None, 0.4))
            if pct is not None:
                good = target is None or pct >= target
                self.add(("rect", x0, by, width * max(0.0, min(pct, 100.0)) / 100, bar_h,
                          None, "#3a7d44" if good else "#c8812a", 0))
                self.add(("text", x0 + width + 4, by + 3.5, BOLD, 10, f"{pct:.1f}%", "left",
                          INK))
            else:
                self.add(("text", x0 + width + 4, by + 3.5, REGULAR, 10, "–", "left", INK))
        axis_y = self.y + gap / 2 - 2
        for tick in (0, 25, 50, 75, 100):
            tx = x0 + width * tick / 100
            self.add(("text", tx, axis_y - 10, REGULAR, 8, f"{tick}%", "center", GREY))
        if target is not None:
            tx = x0 + width * target / 100
            self.add(("line", tx, axis_y, tx, top + 2, 1.2, ACCENT, True))
            self.add(("text", tx, top + 5, REGULAR, 8, f"target {target:g}%", "center",
                      ACCENT))
        self.y = axis_y - 18

    def image(self, png: bytes, width: float, height: float, *, centred: bool = True) -> None:
        self.ensure(height + 4)
        self.y -= height
        x = MARGIN + (TEXT_W - width) / 2 if centred else MARGIN
        self.add(("image", png, x, self.y, width, height))
        self.y -= 6


def _fit(text: str, font: str, size: float, width: float) -> str:
    if _width(text, font, size) <= width + 0.5:
        return text
    while text and _width(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


_Y_INDEX = {"words": (2,), "text": (2,), "line": (2, 4), "rect": (2,), "circle": (2,),
            "image": (3,)}


def shift_page(page: Page, dy: float) -> None:
    """Move everything on a page up (dy > 0) or down (dy < 0)."""
    moved = []
    for op in page.ops:
        items = list(op)
        for i in _Y_INDEX.get(op[0], ()):
            items[i] = items[i] + dy
        moved.append(tuple(items))
    page.ops = moved


# -- page furniture as operations ----------------------------------------------------


def png_size(png: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG header (no decoding)."""
    if len(png) >= 24 and png.startswith(b"\x89PNG\r\n\x1a\n"):
        return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return None


@lru_cache(maxsize=8)  # the same heading on every page of a batch
def letterhead_ops(head: Letterhead) -> list[Op]:
    ops: list[Op] = []
    x = MARGIN
    logo_size = png_size(head.logo_png) if head.logo_png else None
    if head.logo_png and logo_size and logo_size[0] > 0 and logo_size[1] > 0:
        h = 22 * mm
        w = min(h * logo_size[0] / logo_size[1], 45 * mm)
        h = w * logo_size[1] / logo_size[0]
        ops.append(("image", head.logo_png, MARGIN, TOP - h, w, h))
        x = MARGIN + w + 5 * mm
    name_w = PAGE_W - MARGIN - x - 50 * mm
    size = 17.0
    while size > 13 and _width(head.school_name, BOLD, size) > name_w:
        size -= 0.5
    lines = wrap(head.school_name, name_w, size, bold_all=True)
    contact_y = TOP - 14 * mm
    if len(lines) == 1:
        ops.append(("text", x, TOP - 8 * mm, BOLD, size, head.school_name, "left", ACCENT))
    else:  # a long name on two lines, the contact line below them
        for i, line in enumerate(lines[:2]):
            text = " ".join(w for w, _ in line)
            ops.append(("text", x, TOP - 5.5 * mm - i * size * 1.15, BOLD, size,
                        _fit(text, BOLD, size, name_w), "left", ACCENT))
        contact_y = TOP - 5.5 * mm - size * 1.15 - 6 * mm
    ay = TOP - 3.2 * mm
    for address_line in head.address_lines()[:5]:
        ops.append(("text", PAGE_W - MARGIN, ay, REGULAR, 9.5, address_line, "right", GREY))
        ay -= 11.5
    contact = head.contact_line()
    if contact:
        ops.append(("text", x, contact_y, REGULAR, 9.5, _fit(contact, REGULAR, 9.5, name_w),
                    "left", GREY))
    rule_y = min(TOP - 26 * mm, ay - 2)
    ops.append(("line", MARGIN, rule_y, PAGE_W - MARGIN, rule_y, 1.2, RULE, False))
    return ops


def footer_ops(head: Letterhead, number: int, total: int) -> list[Op]:
    room = TEXT_W - 25 * mm
    phone = [head.phone] if head.phone else []
    text = "  ·  ".join([head.school_name, *head.address_lines()[:1], *phone])
    if _width(text, REGULAR, 8.5) > room:  # a long name: leave the street out
        text = "  ·  ".join([head.school_name, *phone])
    ops: list[Op] = [("text", MARGIN, 11 * mm, REGULAR, 8.5, _fit(text, REGULAR, 8.5, room),
                      "left", GREY)]
    if total > 1:
        ops.append(("text", PAGE_W - MARGIN, 11 * mm, REGULAR, 8.5,
                    f"Page {number} of {total}", "right", GREY))
    return ops


def border_ops() -> list[Op]:
    return [("rect", 10 * mm, 10 * mm, PAGE_W - 20 * mm, PAGE_H - 20 * mm, ACCENT, None, 3.0),
            ("rect", 13 * mm, 13 * mm, PAGE_W - 26 * mm, PAGE_H - 26 * mm, RULE, None, 1.0)]


def full_pages(head: Letterhead, pages: Sequence[Page]) -> list[list[Op]]:
    """Every page's complete operations: border, letterhead, body, footer with page numbers.

    The GUI paints these with QPainter for the preview and for printing, so what is printed
    is laid out exactly as the PDF that is kept.
    """
    total = len(pages)
    out = []
    for number, page in enumerate(pages, start=1):
        ops: list[Op] = []
        if page.border:
            ops.extend(border_ops())
        if page.letterhead:
            ops.extend(letterhead_ops(head))
        ops.extend(page.ops)
        if not page.border:
            ops.extend(footer_ops(head, number, total))
        out.append(ops)
    return out


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
            space = _width(" ", REGULAR, size)
            run: list[str] = []
            run_bold = False
            for word, bold in line:
                if run and bold != run_bold:
                    text = " ".join(run)
                    font = BOLD if run_bold else REGULAR
                    self.string(x, y, font, size, text, colour)
                    x += _width(text, font, size) + space
                    run = []
                run_bold = bold
                run.append(word)
            if run:
                self.string(x, y, BOLD if run_bold else REGULAR, size, " ".join(run), colour)
            return
        if kind == "text":
            _, x, y, font, size, text, align, colour = op
            if align == "right":
                x -= _width(text, font, size)
            elif align == "center":
                x -= _width(text, font, size) / 2
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
