"""The amendments report for a date range: every change to a mark, as PDF and CSV."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import School
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.pdf import pdf_fonts
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.register.mark_reads import AmendmentRow, amendments_between

HEADERS = ["Session date", "Session", "Pupil", "Class", "Original", "New", "Reason",
           "Changed at", "By", "Role", "After close"]


def row_values(r: AmendmentRow) -> list[str]:
    """One report row as text, in HEADERS order."""
    old = r.old_code or "(none)"
    new = r.new_code or "(removed)"
    if r.old_detail:
        old += f" ({r.old_detail})"
    if r.new_detail:
        new += f" ({r.new_detail})"
    return [r.day.isoformat(), r.session, r.pupil_name, r.class_name, old, new, r.reason,
            f"{r.at:%Y-%m-%d %H:%M}", r.staff_name, r.staff_role,
            "yes" if r.after_close else "no"]


def write_csv(engine: Engine, start: dt.date, end: dt.date, path: Path, *,
              after_close_only: bool = True, actor: Actor | None = None) -> int:
    """Save the report as CSV (UTF-8 with BOM so Excel reads it); returns the row count.
    Cells that a spreadsheet would run as formulas are guarded (csv_safe). With `actor`,
    the export is logged in the access log."""
    rows = amendments_between(engine, start, end, after_close_only=after_close_only)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS)
        for r in rows:
            out.writerow(safe_row(row_values(r)))
    if actor is not None:
        audit_service.record_export(engine, actor, "amendments report CSV",
                                    [r.pupil_id for r in rows], path)
    return len(rows)


def write_pdf(engine: Engine, start: dt.date, end: dt.date, path: Path, *,
              after_close_only: bool = True, printed_by: str = "",
              now: dt.datetime | None = None, actor: Actor | None = None) -> int:
    """Save the report as an A4 landscape PDF; returns the row count."""
    rows = amendments_between(engine, start, end, after_close_only=after_close_only)
    with session_scope(engine) as s:
        school = s.exec(select(School)).first()
        school_name = school.name if school else ""
    styles = pdf_fonts.platypus_styles()  # embedded DejaVu Sans: every name prints
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    when = now or clock.now(engine)
    kind = "after the register closed" if after_close_only else "all changes"
    story = [
        Paragraph(f"{school_name} — register amendments", styles["Title"]),
        Paragraph(f"Sessions {start:%d %B %Y} to {end:%d %B %Y} ({kind}). "
                  f"Produced {when:%d %B %Y %H:%M}" + (f" by {printed_by}" if printed_by
                                                         else "") + ".", styles["BodyText"]),
        Spacer(1, 4 * mm),
    ]
    if not rows:
        story.append(Paragraph("No amendments in this period.", styles["BodyText"]))
    else:
        data = [[Paragraph(f"<b>{h}</b>", small) for h in HEADERS]]
        for r in rows:
            data.append([Paragraph(_escape(v), small) for v in row_values(r)])
        widths = [23, 17, 38, 22, 20, 20, 52, 25, 28, 16, 16]  # 277 mm: A4 landscape
        table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), pdf_fonts.REGULAR, 8),  # not the table's Helvetica
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f6f6")]),
        ]))
        story.append(table)
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(f"{len(rows)} change(s). Amendments are kept permanently and "
                           "cannot be edited.", small))
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=10 * mm,
                            rightMargin=10 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title="Register amendments", author=school_name,
                            initialFontName=pdf_fonts.REGULAR)
    doc.build(story)
    if actor is not None:
        audit_service.record_export(engine, actor, "amendments report PDF",
                                    [r.pupil_id for r in rows], path)
    return len(rows)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
