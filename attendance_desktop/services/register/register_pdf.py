"""The printed class register: a week or a month on A4 landscape, for the office's paper copy.

One row per pupil on roll, an AM and a PM column per school day with the code entered,
optional totals per pupil, the legend of the codes used, who took each session (whoever
entered the first mark of that session in the class) and who printed it when. A long class
carries on over several pages, each with the heading and the column headings repeated.

Names come in every alphabet, so the app's shipped Unicode font is used (DejaVu Sans,
services/pdf/pdf_fonts.py), embedded in the PDF.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import text
from sqlalchemy.engine import Engine

from attendance_desktop.domain import codes
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pdf import pdf_fonts
from attendance_desktop.services.pdf.letterhead import Letterhead, logo_reader, png_size
from attendance_desktop.services.pdf.page_layout import ACCENT, GREY, HEADER_FILL, INK, RULE
from attendance_desktop.services.register import grid_service
from attendance_desktop.services.register.grid_service import GridColumn
from attendance_desktop.services.school import school_service

log = logging.getLogger(__name__)

PAGE_W, PAGE_H = landscape(A4)
MARGIN = 12 * mm
NAME_W = 52 * mm
TOTAL_W = 12 * mm  # each of Attended, Possible, %
ROW_H = 12.0  # 33 pupils fit on one page
HEAD_H = 31.0  # the three rows of column headings: weekday, date, session
CLOSED_FILL = "#d9d9d9"
OFF_ROLL_FILL = "#f1f1f1"
ZEBRA = "#f7f9fc"

def fonts() -> tuple[str, str]:
    """(regular, bold): the shipped DejaVu Sans (services/pdf/pdf_fonts.py), embedded."""
    pdf_fonts.ensure_fonts()
    return pdf_fonts.REGULAR, pdf_fonts.BOLD


@dataclass(frozen=True, slots=True)
class RegisterRow:
    name: str
    codes: tuple[str, ...]  # one per column; "" no mark
    on_roll: tuple[bool, ...]
    attended: int
    possible: int


@dataclass(frozen=True, slots=True)
class PrintedRegister:
    class_name: str
    start: dt.date
    end: dt.date
    columns: tuple[GridColumn, ...]
    rows: tuple[RegisterRow, ...]
    takers: tuple[str, ...]  # per column: who entered the first mark ("" none)
    legend: tuple[tuple[str, str], ...]  # (code, meaning) for the codes used


@dataclass(frozen=True, slots=True)
class PrintResult:
    classes: int
    pupils: int
    pages: int


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=4)


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    last = _calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _takers(engine: Engine, class_id: int, start: dt.date,
            end: dt.date) -> dict[tuple[str, str], str]:
    """(ISO date, session) -> who entered the earliest mark of that session in the class."""
    sql = text("SELECT m.date, m.session, m.entered_by, m.entered_at FROM mark m"
               " JOIN pupil p ON p.id = m.pupil_id"
               " WHERE p.class_id = :c AND m.date >= :a AND m.date <= :b"
               " AND m.entered_by <> ''")
    first: dict[tuple[str, str], tuple[str, str]] = {}
    with engine.connect() as conn:
        for day, session, who, at in conn.execute(sql, {"c": class_id, "a": start, "b": end}):
            key = (str(day)[:10], session)
            stamp = str(at)
            if key not in first or stamp < first[key][0]:
                first[key] = (stamp, who)
    return {k: who for k, (_at, who) in first.items()}


def build_register(engine: Engine, class_id: int, start: dt.date,
                   end: dt.date) -> PrintedRegister:
    """Read one class's register for [start, end] (two queries and the calendar)."""
    names = {c.id: c.name for c in grid_service.list_classes(engine)}
    if class_id not in names:
        raise ServiceError(f"there is no class with id {class_id}")
    snap = grid_service.load_snapshot(engine, start, end, class_id)
    columns = tuple(snap.columns)
    rows = []
    used: set[str] = set()
    for pupil, line in zip(snap.pupils, snap.codes, strict=True):
        on_roll = tuple(pupil.on_roll(c.day) for c in columns)
        attended = possible = 0
        for code in line:
            found = codes.CODES.get(code)
            if found is None:
                continue
            used.add(code)
            possible += found.category.possible
            attended += found.category.attending
        rows.append(RegisterRow(pupil.name, tuple(line), on_roll, attended, possible))
    for c in columns:
        if not c.open and c.closure_code:
            used.add(c.closure_code)
    takers = _takers(engine, class_id, start, end)
    legend = tuple((code, codes.CODES[code].meaning) for code in sorted(
        used, key=lambda x: (x not in ("/", "\\"), x)) if code in codes.CODES)
    return PrintedRegister(names[class_id], start, end, columns, tuple(rows),
                           tuple(takers.get((c.day.isoformat(), c.session), "")
                                 for c in columns), legend)


# -- layout -----------------------------------------------------------------------------


def _initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() for p in parts[:3]) or name[:2]


def _taker_keys(takers: Sequence[str]) -> dict[str, str]:
    """A short, unique key per person who took a register (initials, then more letters)."""
    keys: dict[str, str] = {}
    for who in dict.fromkeys(t for t in takers if t):
        key = _initials(who)
        n = 2
        while key in keys.values():
            key = f"{_initials(who)}{n}"
            n += 1
        keys[who] = key
    return keys


def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        trial = f"{line} {word}".strip()
        if line and pdfmetrics.stringWidth(trial, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


class _Layout:
    """Column positions for one register: name, sessions, totals."""

    def __init__(self, reg: PrintedRegister, totals: bool) -> None:
        self.totals = totals
        usable = PAGE_W - 2 * MARGIN - NAME_W - (3 * TOTAL_W if totals else 0)
        n = max(1, len(reg.columns))
        self.cell = min(usable / n, 34.0)
        self.x0 = MARGIN + NAME_W
        self.right = self.x0 + self.cell * len(reg.columns)
        self.width = self.right - MARGIN + (3 * TOTAL_W if totals else 0)
        self.code_size = min(9.0, self.cell * 0.62)


def _draw_heading(c: Canvas, head: Letterhead, reg: PrintedRegister, regular: str,
                  bold: str) -> float:
    """School, class and dates at the top; returns the y below them."""
    top = PAGE_H - MARGIN
    x = MARGIN
    size = png_size(head.logo_png) if head.logo_png else None
    if head.logo_png and size and size[0] > 0 and size[1] > 0:
        h = 14 * mm
        w = min(h * size[0] / size[1], 30 * mm)
        reader = logo_reader(head.logo_png)
        if reader is not None:
            c.drawImage(reader, MARGIN, top - w * size[1] / size[0], width=w,
                        height=w * size[1] / size[0], mask="auto")
            x = MARGIN + w + 4 * mm
    c.setFillColor(HexColor(ACCENT))
    c.setFont(bold, 14)
    c.drawString(x, top - 12, _fit(head.school_name, bold, 14, PAGE_W / 2))
    c.setFillColor(HexColor(INK))
    c.setFont(bold, 12)
    if reg.start == reg.end:
        dates = f"{reg.start:%A} {reg.start.day} {reg.start:%B %Y}"
    elif (reg.start.year, reg.start.month) == (reg.end.year, reg.end.month):
        dates = f"{reg.start.day} to {reg.end.day} {reg.end:%B %Y}"
    else:
        dates = f"{reg.start.day} {reg.start:%B %Y} to {reg.end.day} {reg.end:%B %Y}"
    c.drawString(x, top - 29, f"Class register — {reg.class_name} — {dates}")
    c.setFillColor(HexColor(GREY))
    c.setFont(regular, 8.5)
    for i, line in enumerate(head.address_lines()[:3]):
        c.drawRightString(PAGE_W - MARGIN, top - 8 - i * 10, line)
    y = top - 40
    c.setStrokeColor(HexColor(RULE))
    c.setLineWidth(1)
    c.line(MARGIN, y, PAGE_W - MARGIN, y)
    return float(y - 6)


def _draw_column_heads(c: Canvas, reg: PrintedRegister, lay: _Layout, y: float,
                       regular: str, bold: str) -> float:
    c.setFillColor(HexColor(HEADER_FILL))
    c.rect(MARGIN, y - HEAD_H, lay.width, HEAD_H, stroke=0, fill=1)
    c.setFillColor(HexColor(INK))
    c.setFont(bold, 8.5)
    c.drawString(MARGIN + 3, y - HEAD_H + 8, "Pupil")
    for i, col in enumerate(reg.columns):
        x = lay.x0 + i * lay.cell
        if col.session == "AM":
            # A month is ~45 narrow columns: weekday and date on two short lines.
            c.setFont(regular, 6.5)
            c.drawCentredString(x + lay.cell, y - 8, f"{col.day:%a}")
            c.setFont(bold, 7.5)
            date = f"{col.day.day} {col.day:%b}" if lay.cell >= 18 else str(col.day.day)
            c.drawCentredString(x + lay.cell, y - 17, date)
            c.setStrokeColor(HexColor(GREY))
            c.setLineWidth(0.6)
            c.line(x, y, x, y - HEAD_H)
        c.setFont(regular, 6.5)
        c.drawCentredString(x + lay.cell / 2, y - HEAD_H + 5, col.session)
    if lay.totals:
        for j, label in enumerate(("Att.", "Poss.", "%")):
            c.setFont(bold, 7.5)
            c.drawCentredString(lay.right + (j + 0.5) * TOTAL_W, y - HEAD_H + 8, label)
    return y - HEAD_H


def _draw_row(c: Canvas, reg: PrintedRegister, lay: _Layout, row: RegisterRow, y: float,
              zebra: bool, regular: str, bold: str) -> None:
    if zebra:
        c.setFillColor(HexColor(ZEBRA))
        c.rect(MARGIN, y - ROW_H, lay.width, ROW_H, stroke=0, fill=1)
    for i, col in enumerate(reg.columns):
        x = lay.x0 + i * lay.cell
        fill = CLOSED_FILL if not col.open else (None if row.on_roll[i] else OFF_ROLL_FILL)
        if fill:
            c.setFillColor(HexColor(fill))
            c.rect(x, y - ROW_H, lay.cell, ROW_H, stroke=0, fill=1)
    c.setFillColor(HexColor(INK))
    c.setFont(regular, 8.5)
    c.drawString(MARGIN + 3, y - ROW_H + 3.3, _fit(row.name, regular, 8.5, NAME_W - 6))
    for i, code in enumerate(row.codes):
        if code:
            strong = code in codes.PENALTY_CODES
            c.setFont(bold if strong else regular, lay.code_size)
            c.drawCentredString(lay.x0 + (i + 0.5) * lay.cell, y - ROW_H + 3.3, code)
    if lay.totals:
        pct = f"{100 * row.attended / row.possible:.0f}" if row.possible else "–"
        c.setFont(regular, 8)
        for j, value in enumerate((str(row.attended), str(row.possible), pct)):
            c.drawCentredString(lay.right + (j + 0.5) * TOTAL_W, y - ROW_H + 3.3, value)


def _draw_grid(c: Canvas, reg: PrintedRegister, lay: _Layout, top: float,
               bottom: float) -> None:
    c.setStrokeColor(HexColor("#b8c4d0"))
    c.setLineWidth(0.3)
    for i in range(len(reg.columns) + 1):
        x = lay.x0 + i * lay.cell
        day_edge = i == len(reg.columns) or reg.columns[i].session == "AM"
        c.setLineWidth(0.7 if day_edge else 0.3)
        c.line(x, top, x, bottom)
    c.setLineWidth(0.7)
    c.rect(MARGIN, bottom, lay.width, top - bottom, stroke=1, fill=0)


def _footer_lines(reg: PrintedRegister, keys: dict[str, str], regular: str,
                  width: float, totals: bool) -> list[tuple[str, str]]:
    """(kind, text) lines for the legend and the takers' key, wrapped to the width."""
    legend = "Codes: " + " · ".join(f"{code} {meaning}" for code, meaning in reg.legend)
    lines = [("legend", t) for t in _wrap(legend, regular, 7.5, width)]
    if keys:
        taken = "Taken by: " + " · ".join(f"{k} = {who}" for who, k in keys.items())
        lines += [("taken", t) for t in _wrap(taken, regular, 7.5, width)]
    note = "Shaded: school closed (grey) or not on roll (light grey)."
    if totals:
        note += (" Att. = sessions attended (present or approved activity); Poss. = possible"
                 " sessions.")
    lines.append(("note", note))
    return lines


def render_register_pdf(registers: Sequence[PrintedRegister], head: Letterhead, *,
                        printed_by: str, printed_at: dt.datetime,
                        totals: bool = True) -> tuple[bytes, int]:
    """The registers one after another (each from a new page). Returns (PDF, pages)."""
    regular, bold = fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1, initialFontName=regular)
    c.setTitle("Class register")
    c.setAuthor(head.school_name)
    pages = 0
    for reg in registers:
        lay = _Layout(reg, totals)
        keys = _taker_keys(reg.takers)
        footer = _footer_lines(reg, keys, regular, PAGE_W - 2 * MARGIN, totals)
        taken_h = ROW_H if reg.columns else 0.0
        footer_h = 12 + 9.5 * len(footer)
        n = len(reg.columns)
        body = list(reg.rows) or [RegisterRow("No pupils on roll in these dates", ("",) * n,
                                              (True,) * n, 0, 0)]
        first = True
        while body or first:
            pages += 1
            y = _draw_heading(c, head, reg, regular, bold)
            table_top = y
            y = _draw_column_heads(c, reg, lay, y, regular, bold)
            room = int((y - taken_h - (MARGIN - 6) - footer_h) // ROW_H)
            chunk, body = body[:max(1, room)], body[max(1, room):]
            for number, row in enumerate(chunk):
                _draw_row(c, reg, lay, row, y, number % 2 == 1, regular, bold)
                y -= ROW_H
            if reg.columns:
                c.setFillColor(HexColor(HEADER_FILL))
                c.rect(MARGIN, y - ROW_H, lay.width, ROW_H, stroke=0, fill=1)
                c.setFillColor(HexColor(INK))
                c.setFont(bold, 8)
                c.drawString(MARGIN + 3, y - ROW_H + 3.3, "Register taken by")
                c.setFont(regular, min(7.0, lay.code_size))
                for i, who in enumerate(reg.takers):
                    if who:
                        c.drawCentredString(lay.x0 + (i + 0.5) * lay.cell, y - ROW_H + 3.3,
                                            keys[who])
                y -= ROW_H
            if reg.columns:
                _draw_grid(c, reg, lay, table_top - HEAD_H, y)
            y -= 12
            c.setFont(regular, 7.5)
            for kind, line in footer:
                c.setFillColor(HexColor(GREY if kind == "note" else INK))
                c.drawString(MARGIN, y, line)
                y -= 9.5
            c.setFillColor(HexColor(GREY))
            c.setFont(regular, 7.5)
            c.drawString(MARGIN, MARGIN - 14,
                         f"Printed by {printed_by or 'unknown'} on {printed_at:%d %B %Y at %H:%M}"
                         f" · {reg.class_name}")
            c.drawRightString(PAGE_W - MARGIN, MARGIN - 14, f"Page {pages}")
            c.showPage()
            first = False
    c.save()
    return buf.getvalue(), pages


def write_register_pdf(engine: Engine, class_ids: Sequence[int], start: dt.date,
                       end: dt.date, path: Path, *, printed_by: str, now: dt.datetime,
                       totals: bool = True) -> PrintResult:
    """Save the class registers for [start, end] as one PDF at `path`."""
    if end < start:
        raise ServiceError("the register's last date is before its first")
    if not class_ids:
        raise ServiceError("choose a class to print")
    registers = [build_register(engine, cid, start, end) for cid in class_ids]
    head = Letterhead.from_details(school_service.get_school(engine).details)
    pdf, pages = render_register_pdf(registers, head, printed_by=printed_by, printed_at=now,
                                     totals=totals)
    try:
        path.write_bytes(pdf)
    except OSError as exc:
        raise ServiceError(f"could not save the register to {path}: {exc.strerror}") from exc
    pupils = sum(len(r.rows) for r in registers)
    # No names in the log: which classes, which dates, how many pupils.
    log.info("register printed: classes %s, %s to %s, %d pupils, %d pages",
             ",".join(str(c) for c in class_ids), start, end, pupils, pages)
    return PrintResult(len(registers), pupils, pages)
