"""A small, fast page composer: lays text out on A4 pages (paragraphs, headings, lists,
tables, forms, signatures, bar charts) as drawing operations, ready for
pdf_canvas.render_pdf or a QPainter preview."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reportlab.lib.units import mm

from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.pdf.page_layout import (
    ACCENT,
    BODY_SIZE,
    BOLD,
    BOTTOM,
    GREY,
    HEADER_FILL,
    INK,
    LEADING,
    MARGIN,
    PAGE_H,
    PAGE_W,
    REGULAR,
    RULE,
    TEXT_W,
    TOP,
    Op,
    Page,
    fit_text,
    line_width,
    text_width,
    wrap,
)


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
            natural = [max([text_width(str(r[c]), BOLD if i == 0 else REGULAR, size)
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
                text = fit_text(cell, font, size, cols[c] - 8)
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
        own_line = text_width(label, BOLD, BODY_SIZE) > column - 6
        self.ensure(step * (max(lines, 1) + (1 if own_line else 0)) + 4)
        if own_line:
            self.y -= step
            self.add(("text", MARGIN, self.y + 3, BOLD, BODY_SIZE,
                      fit_text(label, BOLD, BODY_SIZE, TEXT_W), "left", INK))
        for i in range(max(lines, 1)):
            self.y -= step
            if i == 0 and not own_line:
                self.add(("text", MARGIN, self.y + 3, BOLD, BODY_SIZE, label, "left", INK))
            x0 = MARGIN + (column if i == 0 and not own_line else 0)
            self.add(("line", x0, self.y, MARGIN + TEXT_W, self.y, 0.5, GREY, False))
            if i == 0 and value:
                self.add(("text", x0 + 4, self.y + 3, REGULAR, BODY_SIZE,
                          fit_text(value, REGULAR, BODY_SIZE, MARGIN + TEXT_W - x0 - 8), "left",
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
                      fit_text(label, BOLD, BODY_SIZE, 52 * mm), "left", INK))
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
            self.add(("text", MARGIN, by + 3.5, REGULAR, 10, fit_text(label, REGULAR, 10,
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
