"""The chronology on paper (a PDF for a meeting or a referral) and as CSV.

The PDF uses the school's letterhead (services/pdf/letterhead.py) and a Unicode font (the
DejaVu Sans that register_pdf registers), because children's and parents' names come in
every alphabet. Both outputs are what the screen shows: the same filters, the same order.
Each file written is recorded in the access log (how many pupils, the file name).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy.engine import Engine

from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pdf import pdf_canvas
from attendance_desktop.services.pdf.composer import Composer
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.pdf.page_layout import ACCENT, GREY, INK, MARGIN, RULE, TEXT_W
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.register.register_pdf import fonts
from attendance_desktop.services.school import school_service
from attendance_desktop.services.trackers.chronology_service import Item, Timeline

PURPOSES = {"meeting": "for a meeting", "referral": "for a referral", "record": "for the record"}
CSV_HEADERS = ["Date", "Time", "Pupil", "Kind", "What", "With", "Outcome", "Details",
               "Recorded by", "Role", "Entry", "Corrects entry", "Recorded at"]
DATE_W = 27 * mm
SIZE = 9.5
LEAD = 12.5


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines no wider than `width`; a word wider than the line is cut by characters."""
    lines: list[str] = []
    for para in text.replace("\r", "").split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if stringWidth(trial, font, size) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            while stringWidth(word, font, size) > width:
                cut = len(word)
                while cut > 1 and stringWidth(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return [x for x in lines if x.strip()] or [""]


class _Page:
    """Unicode text on the letterhead composer (its own ops take any registered font)."""

    def __init__(self, head: Letterhead) -> None:
        self.comp = Composer(head)
        self.regular, self.bold = fonts()
        self.running = ""  # repeated at the top of every later page (whose chronology)

    def ensure(self, height: float) -> None:
        pages = len(self.comp.pages)
        self.comp.ensure(height)
        if len(self.comp.pages) > pages and self.running:
            self.comp.y -= LEAD
            self.comp.add(("text", MARGIN, self.comp.y + 3, self.bold, SIZE, self.running,
                           "left", GREY))
            self.comp.y -= 6

    def line(self, x: float, text: str, *, bold: bool = False, size: float = SIZE,
             colour: str = INK, leading: float = LEAD) -> None:
        self.ensure(leading)
        self.comp.y -= leading
        self.comp.add(("text", x, self.comp.y + 3, self.bold if bold else self.regular, size,
                       text, "left", colour))

    def block(self, x: float, text: str, width: float, **kw: object) -> None:
        font = self.bold if kw.get("bold") else self.regular
        size = float(kw.get("size", SIZE))  # type: ignore[arg-type]
        for ln in _wrap(text, font, size, width):
            self.line(x, ln, **kw)  # type: ignore[arg-type]

    def rule(self) -> None:
        self.comp.y -= 3
        self.comp.add(("line", MARGIN, self.comp.y, MARGIN + TEXT_W, self.comp.y,
                       0.5, RULE, False))


def _item_lines(item: Item, family: bool) -> tuple[str, list[tuple[str, str]]]:
    head = item.kind_label + (f" — {item.pupil}" if family else "")
    rows = [] if item.title == item.kind_label else [("", item.title)]
    for label, value in (("With", item.with_whom), ("Outcome", item.outcome),
                         ("Details", item.details)):
        if value:
            rows.append((label, value))
    who = item.who_text
    if who:
        rows.append(("By", who + (f", recorded {item.recorded_at:%d %b %Y %H:%M}"
                                  if item.recorded_at else "")))
    return head, rows


def render_pdf(tl: Timeline, head: Letterhead, *, purpose: str, printed_by: str,
               printed_at: dt.datetime, filters: str = "") -> tuple[bytes, int]:
    """The PDF and its page count."""
    page = _Page(head)
    x_text = MARGIN + DATE_W
    width = TEXT_W - DATE_W
    who = "Family chronology" if tl.family else "Chronology"
    page.block(MARGIN, f"{who}: {tl.title()}", TEXT_W, bold=True, size=14,
               colour=ACCENT, leading=18)
    page.line(MARGIN, f"Prepared {PURPOSES.get(purpose, purpose)} · printed by "
              f"{printed_by} on {printed_at:%d %B %Y at %H:%M}", colour=GREY)
    shown = f"{len(tl.items)} of {tl.total} rows" + (f" · {filters}" if filters else "")
    page.line(MARGIN, shown, colour=GREY)
    page.line(MARGIN, "Confidential: personal information about children. Keep securely"
              " and share only with those who need it.", colour=GREY, size=8.5)
    page.rule()
    page.running = _wrap(f"{who}: {tl.title()}", page.bold, SIZE, TEXT_W - 80)[0] \
        + " (continued)"
    if not tl.items:
        page.line(MARGIN, "Nothing recorded matches.")
    for item in tl.items:
        title, rows = _item_lines(item, tl.family)
        need = LEAD * (1 + len(rows)) + 6
        page.ensure(min(need, 6 * LEAD))
        page.comp.y -= 4
        page.line(MARGIN, f"{item.on:%d %b %Y}", bold=True)
        page.comp.y += LEAD  # the kind on the same line as the date
        page.line(x_text, title, bold=True, colour=ACCENT)
        for label, value in rows:
            text = f"{label}: {value}" if label else value
            page.block(x_text, text, width)
        page.rule()
    pages = page.comp.pages
    return pdf_canvas.render_pdf([pages], head, f"Chronology — {tl.title()}"), len(pages)


def write_pdf(engine: Engine, actor: Actor, tl: Timeline, path: Path, *,
              purpose: str = "meeting", filters: str = "") -> int:
    """Save the timeline as a PDF; returns its page count. Logged as a printout."""
    head = Letterhead.from_details(school_service.get_school(engine).details)
    now = clock.now(engine)
    pdf, pages = render_pdf(tl, head, purpose=purpose, printed_by=f"{actor.name} "
                     f"({actor.role.label})", printed_at=now, filters=filters)
    try:
        path.write_bytes(pdf)
    except OSError as exc:
        raise ServiceError(f"could not save the chronology to {path}: {exc.strerror}") from exc
    audit_service.record_export(engine, actor, "chronology PDF", tl.pupil_ids, path,
                                kind="print", details=PURPOSES.get(purpose, purpose), at=now)
    return pages


def csv_row(item: Item) -> list[str]:
    return safe_row([
        item.on.isoformat(), f"{item.at:%H:%M}" if item.at else "", item.pupil,
        item.kind_label, item.title, item.with_whom, item.outcome, item.details, item.who,
        item.role, item.entry_id or "", item.corrects_id or "",
        f"{item.recorded_at:%Y-%m-%d %H:%M}" if item.recorded_at else ""])


def write_csv(engine: Engine, actor: Actor, tl: Timeline, path: Path) -> int:
    """Save the timeline as CSV (UTF-8 with BOM, formula-safe cells); returns the rows."""
    try:
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            out = csv.writer(fh)
            out.writerow(CSV_HEADERS)
            for item in tl.items:
                out.writerow(csv_row(item))
    except OSError as exc:
        raise ServiceError(f"could not save the chronology to {path}: {exc.strerror}") from exc
    audit_service.record_export(engine, actor, "chronology CSV", tl.pupil_ids, path,
                                at=clock.now(engine))
    return len(tl.items)
