"""The governors' attendance report as an A4 PDF, on the school's letterhead.

Pupils are shown by initials unless the head asks for names: governors' reports should
not identify children (the list of persistently absent pupils is the only place they
appear at all).
"""

from __future__ import annotations

from attendance_desktop.services.pdf.composer import Composer
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.pdf.page_layout import (
    ACCENT,
    BOLD,
    BOTTOM,
    GREY,
    INK,
    MARGIN,
    REGULAR,
    RULE,
    TEXT_W,
    text_width,
)
from attendance_desktop.services.pdf.pdf_canvas import render_pdf
from attendance_desktop.services.reports.report_service import (
    FigureRow,
    PupilRow,
    Report,
    WeekdayRow,
)
from attendance_desktop.services.reports.report_tables import initials, pct, points

TABLE_SIZE = 8.5  # DejaVu Sans (embedded for every alphabet) runs ~10% wider than Helvetica


def _pa(row: FigureRow) -> str:
    return f"{row.pa} ({pct(row.pa_pct())})"


def _widths(header: list[str], body: list[list[str]]) -> list[float]:
    """Figure columns as wide as their widest cell; the first (the label) gets the rest."""
    natural = [max(text_width(str(row[c]), BOLD if i == 0 else REGULAR, TABLE_SIZE)
                   for i, row in enumerate([header, *body])) + 12
               for c in range(len(header))]
    rest = max(TEXT_W - sum(natural[1:]), 60.0)
    cols = [rest, *natural[1:]]
    return [w / sum(cols) for w in cols]


def _figure_table(comp: Composer, first: str, rows: tuple[FigureRow, ...],
                  school: FigureRow) -> None:
    header = [first, "Pupils", "Possible", "Attendance", "Auth.", "Unauth.", "PA pupils",
              "SA", "Late L/U"]
    body = [[r.label, str(r.pupils), str(r.possible), pct(r.attendance()), pct(r.authorised()),
             pct(r.unauthorised()), _pa(r), str(r.sa),
             f"{r.counts.late_l}/{r.counts.late_u}"] for r in (*rows, school)]
    comp.table(header, body, _widths(header, body), size=TABLE_SIZE)


def _class_chart(comp: Composer, bars: list[tuple[str, float | None]],
                 target: float | None, title: str = "Attendance by class") -> None:
    """Horizontal bars on a zoomed axis (say 80–100%): class differences of a few points
    are what governors need to see, and on a 0–100% axis they vanish."""
    values = [v for _, v in bars if v is not None] + ([target] if target is not None else [])
    low = min(values, default=0.0)
    floor = max(0.0, min(90.0, (int(low) // 5) * 5 - 5 if low < 100 else 90.0))
    bar_h, gap, label_w = 13.0, 6.0, 40 * 2.8346
    x0 = float(MARGIN + label_w)
    width = float(TEXT_W - label_w - 45)
    comp.ensure((bar_h + gap) * len(bars) + 60)
    comp.y -= 16
    comp.add(("text", MARGIN, comp.y, BOLD, 10.5, title, "left", INK))
    comp.y -= 12
    axis_note = (f"The axis starts at {floor:g}% so that differences show." if floor > 0
                 else "")
    if axis_note:
        comp.add(("text", MARGIN, comp.y, REGULAR, 8.5, axis_note, "left", GREY))
    comp.y -= 8
    top = comp.y

    def x_of(v: float) -> float:
        return x0 + width * (min(max(v, floor), 100.0) - floor) / (100.0 - floor)

    for label, value in bars:
        comp.y -= bar_h + gap
        by = comp.y + gap / 2
        comp.add(("text", MARGIN, by + 3.5, REGULAR, 9.5, label, "left", INK))
        comp.add(("rect", x0, by, width, bar_h, RULE, None, 0.4))
        if value is None:
            comp.add(("text", x0 + width + 5, by + 3.5, REGULAR, 9.5, "–", "left", INK))
            continue
        good = target is None or value >= target
        comp.add(("rect", x0, by, x_of(value) - x0, bar_h, None,
                  "#3a7d44" if good else "#c8812a", 0))
        comp.add(("text", x0 + width + 5, by + 3.5, BOLD, 9.5, pct(value), "left", INK))
    axis_y = comp.y + gap / 2 - 2
    step = 5.0 if 100 - floor <= 40 else 25.0
    tick = floor
    while tick <= 100.0:
        comp.add(("text", x_of(tick), axis_y - 10, REGULAR, 8, f"{tick:g}%", "center", GREY))
        tick += step
    if target is not None:
        tx = x_of(target)
        comp.add(("line", tx, axis_y, tx, top + 2, 1.2, ACCENT, True))
        comp.add(("text", tx, top + 5, REGULAR, 8, f"target {target:g}%", "center", ACCENT))
    comp.add(("text", x0, axis_y - 22, REGULAR, 8.5,
              "Green: at or above the school's target. Orange: below it.", "left", GREY))
    comp.y = axis_y - 34


def _pupil_table(comp: Composer, rows: tuple[PupilRow, ...], anonymise: bool) -> None:
    header = ["Pupil", "Class", "Attendance", "Sessions missed", "Unauthorised"]
    body = [[initials(r.name) if anonymise else r.name, r.class_name, pct(r.attendance_pct),
             str(r.missed), str(r.unauthorised)] for r in rows]
    _long_table(comp, header, body, [0.26, 0.22, 0.16, 0.19, 0.17])


def _long_table(comp: Composer, header: list[str], body: list[list[str]],
                widths: list[float]) -> None:
    """A table split by page with its header row repeated on every page."""
    row_h = TABLE_SIZE + 9  # as Composer.table draws rows
    while body:
        fit = int((comp.y - BOTTOM) / row_h) - 1
        if fit < 3:
            comp.new_page()
            continue
        comp.table(header, body[:fit], widths, size=TABLE_SIZE)
        body = body[fit:]
        if body:
            comp.new_page()


def _section(comp: Composer, title: str, room: float = 90.0) -> None:
    """A level-2 heading kept on the same page as the start of what follows it."""
    comp.ensure(room)
    comp.heading(title, level=2)


def compose(report: Report, head: Letterhead, *, anonymise: bool = True) -> Composer:
    comp = Composer(head)
    school = report.school
    comp.heading(f"Attendance report: {report.period.label}")
    who = ("Pupils of compulsory school age only" if report.compulsory_only
           else "All pupils on roll, including those below compulsory school age")
    names = "Pupils are shown by their initials." if anonymise else (
        "This copy names pupils: keep it confidential.")
    comp.paragraph(f"{report.period.start:%d %B %Y} to {report.period.end:%d %B %Y}. {who}. "
                   f"Prepared on {report.made_on:%d %B %Y}. {names}", size=10)

    if school.possible == 0:
        comp.paragraph("**No register marks count in this period**, so there are no figures "
                       "to report. Check the dates and that the registers have been taken.")
    _section(comp, "Headline figures")
    c = school.counts
    comp.table(["Measure", "Figure"], [
        ["Pupils with possible sessions", str(school.pupils)],
        ["Possible sessions", str(school.possible)],
        ["Attendance", pct(school.attendance())],
        ["Authorised absence", pct(school.authorised())],
        ["Unauthorised absence", pct(school.unauthorised())],
        [f"Persistent absence ({report.pa_threshold:g}%+ missed)",
         f"{school.pa} pupils ({pct(school.pa_pct())})"],
        [f"Severe absence ({report.sa_threshold:g}%+ missed)",
         f"{school.sa} pupils ({pct(school.sa_pct())})"],
        ["Late before the register closed (L)", f"{c.late_l} sessions"],
        ["Late after the register closed (U)", f"{c.late_u} sessions"],
        ["Minutes late (L and U)", str(c.minutes_late)],
    ], [0.6, 0.4], size=TABLE_SIZE)

    _section(comp, "Compared with")
    if report.previous is None or report.previous_school is None:
        comp.paragraph("There are no figures for the previous period to compare with.",
                       size=10)
    else:
        comp.paragraph(f"Previous period: {report.previous.label} "
                       f"({report.previous.start:%d/%m/%Y} to {report.previous.end:%d/%m/%Y}).",
                       size=10)
        comp.table(["Measure", "This period", "Previous", "Change"],
                   [[x.label, pct(x.now), pct(x.then), points(x.change())]
                    for x in report.comparisons], [0.46, 0.18, 0.18, 0.18], size=TABLE_SIZE)
    comp.table(["Benchmark", "Attendance", "School", "Gap"],
               [[b.label, pct(b.value) if b.value is not None else "not entered",
                 pct(school.attendance()), points(b.gap(school.attendance()))]
                for b in report.benchmarks], [0.46, 0.18, 0.18, 0.18], size=TABLE_SIZE)

    if report.classes:
        target = next((b.value for b in report.benchmarks if b.label == "School target"), None)
        _class_chart(comp, [(r.label, r.attendance()) for r in report.classes], target)
        _section(comp, "By class")
        _figure_table(comp, "Class", report.classes, school)
    if report.year_groups:
        _section(comp, "By year group")
        _figure_table(comp, "Year group", report.year_groups, school)

    _section(comp, "Pupil groups", 130.0)
    comp.paragraph("The gap is the group's attendance minus the whole school's, in "
                   "percentage points.", size=10)
    comp.table(["Group", "Pupils", "Attendance", "Gap to school", "Unauth.", "PA pupils"],
               [[g.label, str(g.pupils), pct(g.attendance()),
                 points(None if g.attendance() is None or school.attendance() is None
                        else g.attendance() - school.attendance()),  # type: ignore[operator]
                 pct(g.unauthorised()), _pa(g)] for g in report.groups],
               [0.32, 0.09, 0.13, 0.16, 0.13, 0.17], size=TABLE_SIZE)

    _section(comp, "Absence by day of the week")
    by_day: dict[str, dict[str, WeekdayRow]] = {}
    for w in report.weekdays:
        by_day.setdefault(w.day, {})[w.session] = w
    comp.table(["Day", "Possible (AM/PM)", "Morning absence", "Afternoon absence",
                "Unauthorised (AM/PM)"],
               [[day, f"{s['AM'].possible}/{s['PM'].possible}", pct(s["AM"].absence_pct()),
                 pct(s["PM"].absence_pct()), f"{s['AM'].unauthorised}/{s['PM'].unauthorised}"]
                for day, s in by_day.items()], [0.13, 0.19, 0.2, 0.21, 0.27], size=TABLE_SIZE)

    _section(comp, "Codes used")
    comp.table(["Code", "Meaning", "Sessions", "% of possible"],
               [[r.code, r.meaning, str(r.sessions), pct(r.share_pct)] for r in report.codes],
               [0.08, 0.62, 0.13, 0.17], size=TABLE_SIZE)

    _section(comp, f"Persistent absence: {len(report.persistent)} pupils")
    if report.persistent:
        _pupil_table(comp, report.persistent, anonymise)
    else:
        comp.paragraph("No pupil missed the persistent absence threshold in this period.",
                       size=10)
    _section(comp, f"Severe absence: {len(report.severe)} pupils")
    if report.severe:
        _pupil_table(comp, report.severe, anonymise)
    else:
        comp.paragraph("No pupil missed half or more of their sessions in this period.",
                       size=10)
    return comp


def render_report_pdf(report: Report, head: Letterhead, *, anonymise: bool = True) -> bytes:
    comp = compose(report, head, anonymise=anonymise)
    return render_pdf([comp.pages], head, f"Attendance report: {report.period.label}")


# For the termly packs (services.packs.pack_pdf), which draw the same charts and tables.
bar_chart = _class_chart
long_table = _long_table
section = _section
