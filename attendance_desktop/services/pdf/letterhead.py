"""The school's letterhead: the heading band, the footer and the certificate border as
drawing operations, and a document's complete pages.

Printing any page (letters, reports, registers):

    head = Letterhead.from_details(school_service.get_school(engine).details)
    comp = Composer(head)                  # composer.py: starts page 1 with the letterhead
    comp.paragraph("Dear Ms Example,")     # **bold** words allowed
    comp.signature("A Head", "Headteacher")
    pdf_bytes = render_pdf([comp.pages], head, title="Letter")   # pdf_canvas.py

The page, its sizes and text measuring are in page_layout.py."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from attendance_desktop.services.pdf.page_layout import (
    ACCENT,
    BOLD,
    GREY,
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
    text_width,
    wrap,
)


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
    while size > 13 and text_width(head.school_name, BOLD, size) > name_w:
        size -= 0.5
    lines = wrap(head.school_name, name_w, size, bold_all=True)
    contact_y = TOP - 14 * mm
    if len(lines) == 1:
        ops.append(("text", x, TOP - 8 * mm, BOLD, size, head.school_name, "left", ACCENT))
    else:  # a long name on two lines, the contact line below them
        for i, line in enumerate(lines[:2]):
            text = " ".join(w for w, _ in line)
            ops.append(("text", x, TOP - 5.5 * mm - i * size * 1.15, BOLD, size,
                        fit_text(text, BOLD, size, name_w), "left", ACCENT))
        contact_y = TOP - 5.5 * mm - size * 1.15 - 6 * mm
    ay = TOP - 3.2 * mm
    for address_line in head.address_lines()[:5]:
        ops.append(("text", PAGE_W - MARGIN, ay, REGULAR, 9.5, address_line, "right", GREY))
        ay -= 11.5
    contact = head.contact_line()
    if contact:
        ops.append(("text", x, contact_y, REGULAR, 9.5, fit_text(contact, REGULAR, 9.5, name_w),
                    "left", GREY))
    rule_y = min(TOP - 26 * mm, ay - 2)
    ops.append(("line", MARGIN, rule_y, PAGE_W - MARGIN, rule_y, 1.2, RULE, False))
    return ops


def footer_ops(head: Letterhead, number: int, total: int) -> list[Op]:
    room = TEXT_W - 25 * mm
    phone = [head.phone] if head.phone else []
    text = "  ·  ".join([head.school_name, *head.address_lines()[:1], *phone])
    if text_width(text, REGULAR, 8.5) > room:  # a long name: leave the street out
        text = "  ·  ".join([head.school_name, *phone])
    ops: list[Op] = [("text", MARGIN, 11 * mm, REGULAR, 8.5, fit_text(text, REGULAR, 8.5, room),
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
