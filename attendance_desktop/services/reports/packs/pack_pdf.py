"""The termly packs as A4 PDFs on the letterhead, with the report's own charts and tables
(services.report_pdf): the governors' pack, the LA termly return and the staff briefing.
Governors see pupils by initials; the LA return and the staff briefing name pupils and
say so at the top."""

from __future__ import annotations

from itertools import pairwise

from attendance_desktop.services.pdf.composer import Composer
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.pdf.page_layout import (
    ACCENT,
    BOLD,
    GREY,
    INK,
    MARGIN,
    REGULAR,
    RULE,
    TEXT_W,
)
from attendance_desktop.services.pdf.pdf_canvas import render_pdf
from attendance_desktop.services.reports import report_pdf
from attendance_desktop.services.reports.chart_data import WeeklyChart
from attendance_desktop.services.reports.packs.briefing import Briefing
from attendance_desktop.services.reports.packs.governors import GovernorsPack
from attendance_desktop.services.reports.packs.la_return import LaReturn
from attendance_desktop.services.reports.report_tables import pct, points

SIZE = report_pdf.TABLE_SIZE
THIS_YEAR, LAST_YEAR = "#1f77b4", "#999999"


def weekly_chart(comp: Composer, chart: WeeklyChart) -> None:
    """The Reports page's week-by-week chart: this year's line, last year's, the target;
    the axis starts low enough for every point, so dips are plain to see."""
    values = [w.attendance for w in (*chart.weeks, *chart.last_weeks)
              if w.attendance is not None]
    if not values:
        return
    floor = max(0.0, min(90.0, (int(min(values)) // 5) * 5))
    weeks = max(w.week for w in (*chart.weeks, *chart.last_weeks))
    height, label_w = 120.0, 30.0
    comp.ensure(height + 70)
    comp.y -= 16
    comp.add(("text", MARGIN, comp.y, BOLD, 10.5, "Attendance week by week", "left", INK))
    comp.y -= 10
    key = f"{chart.year} (blue)" + (f", {chart.last_year} (grey)" if chart.last_year else "")
    comp.add(("text", MARGIN, comp.y, REGULAR, 8.5, key, "left", GREY))
    top = comp.y - 8
    bottom = top - height
    x0, width = MARGIN + label_w, TEXT_W - label_w - 10

    def xy(week: int, pct: float) -> tuple[float, float]:
        x = x0 + width * (week - 1) / max(weeks - 1, 1)
        return x, bottom + height * (min(max(pct, floor), 100.0) - floor) / (100.0 - floor)

    comp.add(("rect", x0, bottom, width, height, RULE, None, 0.4))
    for tick in range(int(floor), 101, 5 if 100 - floor <= 30 else 10):
        _, ty = xy(1, tick)
        comp.add(("text", x0 - 4, ty - 3, REGULAR, 7.5, f"{tick}%", "right", GREY))
    for series, colour, width_pt in ((chart.last_weeks, LAST_YEAR, 1.0),
                                     (chart.weeks, THIS_YEAR, 1.6)):
        points = [xy(w.week, w.attendance) for w in series if w.attendance is not None]
        for (ax, ay), (bx, by) in pairwise(points):
            comp.add(("line", ax, ay, bx, by, width_pt, colour, False))
    if chart.target_pct is not None:
        _, ty = xy(1, chart.target_pct)
        comp.add(("line", x0, ty, x0 + width, ty, 1.0, ACCENT, True))
        comp.add(("text", x0 + width, ty + 3, REGULAR, 7.5, f"target {chart.target_pct:g}%",
                  "right", ACCENT))
    for week in range(1, weeks + 1, 5):
        x, _ = xy(week, floor)
        comp.add(("text", x, bottom - 10, REGULAR, 7.5, f"wk {week}", "center", GREY))
    comp.y = bottom - 22


def render_governors_pack(pack: GovernorsPack, head: Letterhead) -> bytes:
    report = pack.report
    comp = report_pdf.compose(report, head, anonymise=True)
    school = report.school
    report_pdf.section(comp, "The same point last year", 190.0)
    if pack.last_year is None or pack.last_year_school is None:
        comp.paragraph("There are no figures for the same point last year.", size=10)
    else:
        then = pack.last_year_school
        comp.paragraph(f"{report.period.label} set beside {pack.last_year.label} "
                       f"({pack.last_year.start:%d/%m/%Y} to {pack.last_year.end:%d/%m/%Y}).",
                       size=10)
        rows = [("Attendance", school.attendance(), then.attendance()),
                ("Authorised absence", school.authorised(), then.authorised()),
                ("Unauthorised absence", school.unauthorised(), then.unauthorised()),
                ("Persistent absence (pupils)", school.pa_pct(), then.pa_pct()),
                ("Severe absence (pupils)", school.sa_pct(), then.sa_pct())]
        comp.table(["Measure", "This year", "Last year", "Change"],
                   [[label, pct(now), pct(before), points(
                       None if now is None or before is None else now - before)]
                    for label, now, before in rows], [0.46, 0.18, 0.18, 0.18], size=SIZE)
    if pack.weekly is not None and pack.weekly.weeks:
        report_pdf.section(comp, "Week by week", 200.0)
        weekly_chart(comp, pack.weekly)
    if pack.years:
        report_pdf.section(comp, "Over the years", 160.0)
        last = pack.years[-1].to
        comp.paragraph(f"Each year from its first day to the same point ({last:%d %B}), so "
                       "the years compare like with like.", size=10)
        target = next((b.value for b in report.benchmarks if b.label == "School target"),
                      None)
        report_pdf.bar_chart(comp, [(y.name, y.school.attendance()) for y in pack.years],
                             target, title="Attendance by year, to the same point")
        comp.table(["Year", "Pupils", "Attendance", "Unauthorised", "PA pupils", "SA pupils"],
                   [[y.name, str(y.school.pupils), pct(y.school.attendance()),
                     pct(y.school.unauthorised()),
                     f"{y.school.pa} ({pct(y.school.pa_pct())})", str(y.school.sa)]
                    for y in pack.years], [0.2, 0.12, 0.16, 0.16, 0.22, 0.14], size=SIZE)
    a = pack.actions
    report_pdf.section(comp, "What the school did in this period", 140.0)
    comp.table(["Action", "Number"], [
        *[[f"Letters: {title}", str(n)] for title, n in a.letters],
        *[[label, str(n)] for label, n in a.steps],
        ["Penalty notices considered by the headteacher", str(a.pn_considered)],
        ["Penalty notices issued", str(a.pn_issued)],
        ["Notifications to the local authority", str(a.la_notifications)],
    ], [0.8, 0.2], size=SIZE)
    return render_pdf([comp.pages], head, f"Governors' attendance pack: {report.period.label}")


def render_la_return(r: LaReturn, head: Letterhead) -> bytes:
    comp = Composer(head)
    comp.heading(f"Termly attendance return: {r.term.name}")
    comp.paragraph(f"{r.school}" + (f", URN {r.urn}" if r.urn else "")
                   + (f", to {r.local_authority}" if r.local_authority else "")
                   + f". {r.term.start:%d %B %Y} to {r.term.end:%d %B %Y}. This return names "
                   "pupils: send it securely and keep it confidential.", size=10)
    report_pdf.section(comp, f"Pupils with {r.threshold_days} or more school days of "
                             "unauthorised absence")
    if r.unauthorised:
        report_pdf.long_table(comp, ["Pupil", "UPN", "Born", "Year", "Unauth. days",
                                     "Attendance"],
                              [[u.name, u.upn, f"{u.dob:%d/%m/%Y}", u.year_group,
                                f"{u.unauthorised_days:g}", pct(u.attendance_pct)]
                               for u in r.unauthorised], [0.28, 0.2, 0.14, 0.08, 0.14, 0.16])
    else:
        comp.paragraph("None this term.", size=10)
    for title, rows in (("Notifications made to the local authority", r.notifications),
                        ("Penalty notices considered", r.considered)):
        report_pdf.section(comp, title)
        if rows:
            for e in rows:  # a line each, wrapped: what was done is in words
                comp.bullet(f"**{e.on:%d/%m/%Y} {e.name}**: {e.what}"
                            + (f". {e.details}" if e.details else "") + f" ({e.by})")
        else:
            comp.paragraph("None this term.", size=10)
    report_pdf.section(comp, "Penalty notices issued")
    if r.issued:
        report_pdf.long_table(comp, ["Issued", "Pupil", "Parent", "Amount", "Status"],
                              [[f"{n.issued_on:%d/%m/%Y}", n.name, n.parent, f"£{n.amount}",
                                n.status] for n in r.issued], [0.14, 0.26, 0.3, 0.12, 0.18])
    else:
        comp.paragraph("None this term.", size=10)
    return render_pdf([comp.pages], head, f"LA termly return: {r.term.name}")


def render_briefing(b: Briefing, head: Letterhead) -> bytes:
    comp = Composer(head)
    comp.heading(f"Staff attendance briefing: {b.period.label}")
    comp.paragraph(f"Figures {b.period.start:%d %B} to {b.period.end:%d %B %Y}; who needs "
                   f"attention as on {b.on:%d %B %Y}. For staff only: it names pupils.",
                   size=10)
    target = None
    report_pdf.bar_chart(comp, [(c.figures.label, c.figures.attendance()) for c in b.classes],
                         target)
    for c in b.classes:
        f = c.figures
        report_pdf.section(comp, f"{f.label}: attendance {pct(f.attendance())}", 80.0)
        comp.paragraph(f"{f.pupils} pupils; {f.pa} persistently absent ({pct(f.pa_pct())}); "
                       f"unauthorised absence {pct(f.unauthorised())}; whole school "
                       f"{pct(b.school.attendance())}.", size=10)
        if c.attention:
            for a in c.attention:  # a line each, wrapped: the reasons are words
                comp.bullet(f"**{a.name}** ({pct(a.attendance_pct)} this year): "
                            + "; ".join(a.reasons))
        else:
            comp.paragraph("Nobody in this class needs particular attention now.", size=10)
    return render_pdf([comp.pages], head, f"Staff attendance briefing: {b.period.label}")
