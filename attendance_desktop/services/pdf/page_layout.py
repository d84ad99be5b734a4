"""The A4 page the printed documents share: margins, type sizes and colours, a page as a
list of drawing operations (`Page`), and measuring and wrapping text in the shipped fonts.

Type is DejaVu Sans 11 pt on 15 pt leading (readable for parents and for photocopies),
margins 20 mm; the font is shipped with the app and embedded (services/pdf/pdf_fonts.py)
so every name prints."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

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


@dataclass(slots=True)
class Page:
    """Drawing operations for one page, replayed by `draw_pages`."""

    ops: list[Op] = field(default_factory=list)
    letterhead: bool = True  # draw the school's heading band at the top
    border: bool = False  # certificates get a decorative border


@lru_cache(maxsize=50_000)
def text_width(text: str, font: str, size: float) -> float:
    """Width in points of `text` in a registered font (cached)."""
    pdf_fonts.ensure_fonts()  # measuring needs the font registered (cheap once done)
    return float(stringWidth(text, font, size))


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
    space = text_width(" ", REGULAR, size)
    for raw in text.split("\n"):
        line: list[tuple[str, bool]] = []
        used = 0.0
        for word, bold in tokens(raw):
            bold = bold or bold_all
            w = text_width(word, BOLD if bold else REGULAR, size)
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
    space = text_width(" ", REGULAR, size)
    words = sum(text_width(w, BOLD if b else REGULAR, size) for w, b in line)
    return words + space * (len(line) - 1)


def fit_text(text: str, font: str, size: float, width: float) -> str:
    if text_width(text, font, size) <= width + 0.5:
        return text
    while text and text_width(text + "…", font, size) > width:
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
