"""The fire roll: who is on site now, grouped by class with a tick column (A4 PDF)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import KioskEvent, Mark, Pupil
from attendance_desktop.services.kiosk import kiosk_office, kiosk_rules, kiosk_service
from attendance_desktop.services.pdf import pdf_fonts
from attendance_desktop.services.pdf.pdf_fonts import BOLD, REGULAR
from attendance_desktop.services.school import policy_service


@dataclass(frozen=True, slots=True)
class FireRoll:
    path: Path
    generated: dt.datetime
    on_site: int
    late_today: int
    early_leavers: int
    still_out: int
    not_accounted_for: int = 0  # on roll, no mark this session, not signed in or out


def late_today_ids(engine: Engine, day: dt.date) -> frozenset[int]:
    """Pupils late today: an L or U mark, or a kiosk late sign-in."""
    start = dt.datetime.combine(day, dt.time())
    with session_scope(engine) as s:
        marked = s.execute(select(col(Mark.pupil_id)).where(
            col(Mark.date) == day, col(Mark.code).in_(("L", "U")))).scalars().all()
        kiosk = s.execute(select(col(KioskEvent.pupil_id)).where(
            col(KioskEvent.kind) == "late_in", col(KioskEvent.at) >= start,
            col(KioskEvent.at) < start + dt.timedelta(days=1))).scalars().all()
    return frozenset(marked) | frozenset(kiosk)


def not_accounted_for(engine: Engine, now: dt.datetime,
                      on_site: tuple[kiosk_office.OnSitePupil, ...]
                      ) -> list[kiosk_office.OnSitePupil]:
    """Pupils on roll today who are neither on site (marked in, or signed in at the
    kiosk) nor signed out nor recorded absent this session: nobody knows yet where they
    are, so the fire roll lists them to be checked."""
    day = now.date()
    here = {p.pupil_id for p in on_site}
    out_ids = kiosk_rules.signed_out_ids(engine, day)
    with session_scope(engine) as s:
        session = kiosk_rules.session_at(policy_service.read_policy(s), now)
        marked = set(s.execute(select(col(Mark.pupil_id)).where(
            col(Mark.date) == day, col(Mark.session) == session)).scalars().all())
        names = kiosk_office.on_site_names(s)
        roll = s.execute(select(col(Pupil.id)).where(
            queries.on_roll(day))
        ).scalars().all()
    rows = []
    for pid in roll:
        if pid in here or pid in marked or pid in out_ids:
            continue
        name, cls, order = names[pid]
        rows.append((order, kiosk_office.OnSitePupil(pid, name, cls, "Not yet accounted for",
                                                     None)))
    rows.sort(key=lambda r: (r[0], r[1].class_name, r[1].name.lower()))
    return [r for _, r in rows]


def default_path(reports_dir: Path, now: dt.datetime) -> Path:
    return reports_dir / f"fire-roll-{now:%Y-%m-%d-%H%M%S}.pdf"


def build(engine: Engine, now: dt.datetime, path: Path) -> FireRoll:
    """Write the fire roll for `now` to `path` and return its counts."""
    day = now.date()
    pupils = kiosk_office.on_site(engine, now)
    unknown = not_accounted_for(engine, now, pupils)
    leavers = kiosk_office.early_leavers(engine, day)
    late = late_today_ids(engine, day)
    still_out = [r for r in leavers if r.back_at is None]
    school = kiosk_service.school_name(engine) or "School"
    session = "morning" if kiosk_rules.session_at(
        policy_service.load_policy(engine), now) == "AM" else "afternoon"

    styles = pdf_fonts.platypus_styles()  # embedded DejaVu Sans: every name prints
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=11, leading=14)
    h1 = ParagraphStyle("h1", parent=styles["Title"], fontSize=20, leading=24,
                        alignment=0, spaceAfter=2 * mm)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=14, spaceBefore=5 * mm,
                        spaceAfter=2 * mm)
    story: list[Any] = [
        Paragraph(f"Fire roll — {_esc(school)}", h1),
        Paragraph(f"Generated {now:%A %d %B %Y} at {now:%H:%M} ({session} session). "
                  "Tick each pupil as they are seen at the assembly point.", body),
        Spacer(1, 4 * mm),
    ]
    head_cell = ParagraphStyle("head_cell", parent=body, fontSize=9, leading=11,
                               alignment=1)  # wraps inside its box
    summary = Table(
        [[Paragraph(t, head_cell) for t in ("On site now", "Not yet accounted for",
                                             "Late arrivals today", "Early leavers",
                                             "Still signed out")],
         [str(len(pupils)), str(len(unknown)), str(len(late)), str(len(leavers)),
          str(len(still_out))]],
        colWidths=[34 * mm] * 5)
    summary.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), REGULAR, 10),
        ("FONT", (0, 1), (-1, 1), BOLD, 18),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
        ("INNERGRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("TOPPADDING", (0, 1), (-1, 1), 6), ("BOTTOMPADDING", (0, 1), (-1, 1), 8),
    ]))
    story.append(summary)

    by_class: dict[str, list[kiosk_office.OnSitePupil]] = {}
    for p in pupils:
        by_class.setdefault(p.class_name or "No class", []).append(p)
    if unknown:
        # First, so the people at the assembly point see whom to look for.
        data = [["Tick", "Pupil", "Class"]]
        for r in unknown:
            data.append(["", r.name, r.class_name])
        table = Table(data, colWidths=[14 * mm, 90 * mm, 64 * mm], repeatRows=1)
        table.setStyle(_grid_style())
        story.append(Paragraph(f"Not yet accounted for — {len(unknown)} (no mark this"
                               " session and not signed in): check each one", h2))
        story.append(table)
    if not pupils:
        story.append(Paragraph("No pupils are recorded as on site.", h2))
    for cls, rows in by_class.items():
        data = [["Tick", "Pupil", "Status"]]
        for r in rows:
            note = r.status
            if r.arrived:
                note += f", signed in {r.arrived:%H:%M}"
            if r.returned:
                note += f", back {r.returned:%H:%M}"
            data.append(["", r.name, note])
        table = Table(data, colWidths=[14 * mm, 80 * mm, 74 * mm], repeatRows=1)
        table.setStyle(_grid_style())
        story.append(KeepTogether([Paragraph(f"{_esc(cls)} — {len(rows)} on site", h2),
                                   table]))
    if leavers:
        cell = ParagraphStyle("cell", parent=body, fontSize=10, leading=12)
        data = [["Pupil", "Class", "Out", "Reason", "Collected by", "Back"]]
        for lv in leavers:
            data.append([Paragraph(_esc(lv.name), cell), Paragraph(_esc(lv.class_name), cell),
                         f"{lv.out_at:%H:%M}", Paragraph(_esc(lv.reason), cell),
                         Paragraph(_esc(lv.collected_by), cell),
                         f"{lv.back_at:%H:%M}" if lv.back_at else "not back"])
        table = Table(data, colWidths=[36 * mm, 28 * mm, 14 * mm, 40 * mm, 36 * mm, 20 * mm],
                      repeatRows=1)
        table.setStyle(_grid_style(tick=False))
        story.append(KeepTogether([Paragraph("Signed out today", h2), table]))

    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm,
                            title=f"Fire roll {now:%d %B %Y %H:%M}", author=school,
                            initialFontName=REGULAR)

    def footer(canvas, doc_) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(REGULAR, 8)
        canvas.drawString(18 * mm, 9 * mm, f"Fire roll {now:%d/%m/%Y %H:%M}")
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, f"Page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return FireRoll(path, now, len(pupils), len(late), len(leavers), len(still_out),
                    len(unknown))


def _grid_style(tick: bool = True) -> TableStyle:
    style = [
        ("FONT", (0, 0), (-1, 0), BOLD, 10),
        ("FONT", (0, 1), (-1, -1), REGULAR, 11),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e4e4")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 1), (-1, -1), 5), ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f6f6")]),
    ]
    if tick:
        style.append(("ALIGN", (0, 0), (0, -1), "CENTER"))
    return TableStyle(style)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
