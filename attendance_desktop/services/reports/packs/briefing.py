"""The staff briefing: each class's figures for the period and the pupils who need a
teacher's attention now (persistent or severe absence, a band of concern, a tracker flag,
something overdue), with the reason in words. From the report (figures) and the trackers'
snapshot (who and why), so it agrees with both."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Generator
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from attendance_desktop.domain.escalation import FLAG_LABELS
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.reports import report_service
from attendance_desktop.services.reports.packs import one_dp
from attendance_desktop.services.reports.report_periods import ReportPeriod
from attendance_desktop.services.reports.report_service import FigureRow
from attendance_desktop.services.trackers import alerts_service

NO_CLASS = "No class"


@dataclass(frozen=True, slots=True)
class Attention:
    name: str
    attendance_pct: float | None  # year to date
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClassBrief:
    figures: FigureRow
    attention: tuple[Attention, ...]


@dataclass(frozen=True, slots=True)
class Briefing:
    period: ReportPeriod
    on: dt.date
    school: FigureRow
    classes: tuple[ClassBrief, ...]


def _reasons(p: alerts_service.PupilAlert, on: dt.date) -> tuple[str, ...]:
    out = []
    if p.severe:
        out.append("severe absence (half or more missed)")
    elif p.persistent:
        out.append("persistent absence")
    if p.band_concern and p.band_label:
        out.append(f"{p.band_label} band")
    if p.lateness_level not in ("", "none"):
        out.append(f"lateness: {p.lateness_level}")
    out += [FLAG_LABELS.get(f.name, f.name).split(":")[0] for f in p.flags]
    overdue = [d.label for d in p.due if d.overdue(on)]
    if overdue:
        out.append("overdue: " + "; ".join(overdue[:2]))
    return tuple(dict.fromkeys(out))


def build_briefing(engine: Engine, period: ReportPeriod, *, today: dt.date,
                   token: CancelToken | None = None) -> Generator[Progress, None, Briefing]:
    token = token or CancelToken()
    report = yield from report_service.build_report(engine, period, today=today, token=token)
    yield Progress(6, 7, "Finding who needs attention")
    snap = alerts_service.snapshot(engine, min(today, period.end))
    by_class: dict[str, list[Attention]] = {}
    for p in snap.pupils:
        reasons = _reasons(p, snap.on)
        if reasons:
            by_class.setdefault(p.class_name or NO_CLASS, []).append(
                Attention(p.name, p.attendance_pct, reasons))
    classes = tuple(ClassBrief(row, tuple(sorted(
        by_class.get(row.label, []), key=lambda a: (a.attendance_pct or 0.0, a.name))))
        for row in report.classes)
    return Briefing(period, snap.on, report.school, classes)


def briefing_csv(b: Briefing) -> str:
    """One row per class, then one per pupil who needs attention, with why."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["Class", "Pupils", "Attendance %", "PA pupils", "Unauthorised %"])
    for c in b.classes:
        f = c.figures
        w.writerow(safe_row([f.label, f.pupils, one_dp(f.attendance()), f.pa,
                             one_dp(f.unauthorised())]))
    w.writerow([])
    w.writerow(["Class", "Pupil", "Attendance this year %", "Why"])
    for c in b.classes:
        for a in c.attention:
            w.writerow(safe_row([c.figures.label, a.name, one_dp(a.attendance_pct),
                                 "; ".join(a.reasons)]))
    return out.getvalue()
