"""A report as text: percentages and point changes, every table as header and rows
(the Reports page's tabs, the CSV files, the governors' PDF) and one table as CSV."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.reports.report_service import FigureRow, PupilRow, Report

# -- text for tables, CSV and PDF -----------------------------------------------------------


def pct(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def points(value: float | None) -> str:
    """A change in percentage points, signed: '+0.4 pts', '−1.2 pts'."""
    if value is None:
        return "–"
    q = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if q == 0:
        return "0.0 pts"
    return f"{'+' if q > 0 else '−'}{abs(q)} pts"


def initials(name: str) -> str:
    """'Amy Example-Smith' -> 'A.E.' (governors' copies do not name pupils)."""
    parts = [w for w in name.replace("-", " ").split() if w]
    if not parts:
        return "?"
    return ".".join(w[0].upper() for w in (parts[0], parts[-1]) if w) + "."


FIGURE_HEADER = ["", "Pupils", "Possible sessions", "Attendance", "Authorised",
                 "Unauthorised", "PA pupils", "PA %", "SA pupils", "SA %", "Late (L)",
                 "Late (U)", "Minutes late"]


def figure_cells(row: FigureRow) -> list[str]:
    c = row.counts
    return [row.label, str(row.pupils), str(row.possible), pct(row.attendance()),
            pct(row.authorised()), pct(row.unauthorised()), str(row.pa), pct(row.pa_pct()),
            str(row.sa), pct(row.sa_pct()), str(c.late_l), str(c.late_u), str(c.minutes_late)]


def group_cells(row: FigureRow, school: FigureRow) -> list[str]:
    gap = None
    if row.attendance() is not None and school.attendance() is not None:
        gap = row.attendance() - school.attendance()  # type: ignore[operator]
    return [row.label, str(row.pupils), str(row.possible), pct(row.attendance()), points(gap),
            pct(row.authorised()), pct(row.unauthorised()), str(row.pa), pct(row.pa_pct())]


GROUP_HEADER = ["Group", "Pupils", "Possible sessions", "Attendance", "Gap to school",
                "Authorised", "Unauthorised", "PA pupils", "PA %"]
CODE_HEADER = ["Code", "Meaning", "Category", "Sessions", "% of possible"]
WEEKDAY_HEADER = ["Day", "Session", "Possible sessions", "Absent", "Absence %", "Unauthorised"]
PUPIL_HEADER = ["Pupil", "Class", "Year", "Attendance", "Sessions missed", "Unauthorised",
                "Possible"]
COMPARE_HEADER = ["Measure", "This period", "Previous period", "Change"]
BENCH_HEADER = ["Benchmark", "Attendance", "School", "Gap"]


def pupil_cells(row: PupilRow, anonymise: bool) -> list[str]:
    return [initials(row.name) if anonymise else row.name, row.class_name, row.year_group,
            pct(row.attendance_pct), str(row.missed), str(row.unauthorised), str(row.possible)]


def tables(report: Report, *, anonymise: bool = False) -> dict[str, tuple[list[str],
                                                                          list[list[str]]]]:
    """Every table as (header, rows of text), keyed by a short name (CSV files, GUI tabs)."""
    school = report.school
    return {
        "whole_school": (FIGURE_HEADER, [figure_cells(school)]),
        # the whole school last, to read each row against
        "classes": (["Class", *FIGURE_HEADER[1:]],
                    [*(figure_cells(r) for r in report.classes), figure_cells(school)]),
        "year_groups": (["Year group", *FIGURE_HEADER[1:]],
                        [*(figure_cells(r) for r in report.year_groups), figure_cells(school)]),
        "pupil_groups": (GROUP_HEADER, [group_cells(r, school) for r in report.groups]),
        "codes": (CODE_HEADER, [[r.code, r.meaning, r.category, str(r.sessions),
                                 pct(r.share_pct)] for r in report.codes]),
        "weekdays": (WEEKDAY_HEADER, [[r.day, r.session, str(r.possible), str(r.absent),
                                       pct(r.absence_pct()), str(r.unauthorised)]
                                      for r in report.weekdays]),
        "persistent_absence": (PUPIL_HEADER, [pupil_cells(r, anonymise)
                                              for r in report.persistent]),
        "severe_absence": (PUPIL_HEADER, [pupil_cells(r, anonymise) for r in report.severe]),
        "comparison": (COMPARE_HEADER, [[c.label, pct(c.now), pct(c.then), points(c.change())]
                                        for c in report.comparisons]),
        "benchmarks": (BENCH_HEADER, [[b.label, pct(b.value) if b.value is not None
                                       else "not entered", pct(school.attendance()),
                                       points(b.gap(school.attendance()))]
                                      for b in report.benchmarks]),
    }


TABLE_TITLES = {
    "whole_school": "Whole school", "classes": "By class", "year_groups": "By year group",
    "pupil_groups": "Pupil groups", "codes": "Codes used", "weekdays": "Days of the week",
    "persistent_absence": "Persistent absence", "severe_absence": "Severe absence",
    "comparison": "Previous period", "benchmarks": "Target and benchmarks",
}


def pupils_named(report: Report, keys: tuple[str, ...] | None = None) -> int:
    """How many pupils the report's pupil tables list (persistent and severe absence),
    for the access log; `keys` limits it to the tables being saved."""
    chosen = {"persistent_absence": report.persistent, "severe_absence": report.severe}
    return len({r.pupil_id for key, rows in chosen.items() if keys is None or key in keys
                for r in rows})


def table_csv(report: Report, key: str, *, anonymise: bool = False) -> str:
    """One table as CSV text (UTF-8, a heading line naming the period first)."""
    header, rows = tables(report, anonymise=anonymise)[key]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f"{TABLE_TITLES[key]}: {report.period.label}"
                + (" (compulsory school age only)" if report.compulsory_only else "")])
    w.writerow(safe_row(h or "Scope" for h in header))
    # Names (and anything else) that a spreadsheet would run as a formula are guarded.
    w.writerows(safe_row(r) for r in rows)
    return buf.getvalue()
