"""Benchmark: 200 personalised letters in one batch against bare ReportLab drawing.

Builds the demo school (210 pupils) in a temporary folder, then times, in the same run:

* ours: `letter_plans.plan_batch` + `run_batch` for 200 pupils (figures from the
  database, merge, layout, one PDF per letter plus the combined PDF written to disk, and
  every letter recorded with its PDF in the letters log);
* baseline: the same pages drawn with a bare ReportLab canvas: the letters' text (merged
  beforehand, outside the timing), `simpleSplit` wrapping and `drawString`, the school's
  logo, letterhead text and a rule, in the same embedded DejaVu Sans the app uses (every
  PDF must embed a Unicode font, so a Helvetica baseline would not draw the same pages),
  one file per letter plus one combined file;
* the old baseline (Helvetica, no logo), printed too for comparison with earlier figures.

Prints the median times, the ratios and whether the targets are met (within 1.5x of the
baseline; under 10 s). Run: python benchmarks/bench_letters.py
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.domain.roles import SYSTEM_ACTOR
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.letters import letter_plans, letter_service, template_store
from attendance_desktop.services.letters import letter_templates as lt
from attendance_desktop.services.pdf import pdf_fonts
from attendance_desktop.services.reports import stats_service

TODAY = dt.date(2025, 11, 20)
KEY = "concern_lower_amber"
LETTERS = 200
RUNS = 5
RATIO_TARGET = 1.5
TIME_TARGET_S = 10.0


def ours(engine, pupil_ids: list[int], out: Path) -> int:  # type: ignore[no-untyped-def]
    # Every pupil gets the letter (as if the head included them all): the guard rails
    # would leave most out, and this measures drawing 200 letters.
    plan = letter_plans.plan_batch(engine, KEY, pupil_ids, today=TODAY, guard=False)
    gen = letter_service.run_batch(engine, SYSTEM_ACTOR, plan, today=TODAY, out_dir=out,
                                   cancel=CancelToken(), include_repeats=True)
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value.letters_made


def merged_texts(engine, pupil_ids: list[int]) -> list[tuple[list[str], list[str]]]:  # type: ignore[no-untyped-def]
    """(address lines, paragraphs) of every letter, merged with the service's own values."""
    plan = letter_plans.plan_batch(engine, KEY, pupil_ids, today=TODAY, guard=False)
    facts = letter_service._gather(engine, pupil_ids, TODAY, None)
    body = template_store.get_template(engine, KEY).body
    out = []
    for letter in plan.letters:
        values = letter_service._values(facts, letter, letter.pupil_ids, TODAY, {})
        paras = [lt.substitute(p, values).replace("**", "") for p in body.split("\n\n")
                 if not p.startswith("[[")]
        out.append((list(letter.address_lines), paras))
    return out


def baseline(letters: list[tuple[list[str], list[str]]], head: list[str], out: Path,
             logo: bytes | None = None, fonts: tuple[str, str] = ("Helvetica", "Helvetica-Bold")
             ) -> int:
    w, h = A4
    regular, bold = fonts
    reader = ImageReader(io.BytesIO(logo)) if logo else None
    combined_buf = io.BytesIO()
    combined = Canvas(combined_buf, pagesize=A4, pageCompression=1, initialFontName=regular)
    out.mkdir(parents=True, exist_ok=True)
    for n, (address, paras) in enumerate(letters, start=1):
        buf = io.BytesIO()
        own = Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=regular)
        for c in (own, combined):
            if reader is not None:
                c.drawImage(reader, 57, h - 130, width=62, height=62, mask="auto")
            c.setFont(bold, 17)
            c.drawString(130, h - 68, head[0])
            c.setFont(regular, 9.5)
            for i, line in enumerate(head[1:]):
                c.drawRightString(w - 57, h - 54 - 11.5 * i, line)
            c.line(57, h - 140, w - 57, h - 140)
            y = h - 160
            c.setFont(regular, 11)
            c.drawRightString(w - 57, y, "20 November 2025")
            for line in address:
                c.drawString(57, y, line)
                y -= 15
            y -= 18
            for para in paras:
                for line in simpleSplit(para, regular, 11, w - 114):
                    c.drawString(57, y, line)
                    y -= 15
                y -= 7
            c.line(57, y - 30, 227, y - 30)
            c.drawString(57, y - 45, head[0])
            c.setFont(regular, 8.5)
            c.drawString(57, 31, " · ".join(head[:2]))
            c.showPage()
        own.save()
        (out / f"{n:03d}.pdf").write_bytes(buf.getvalue())
    combined.save()
    (out / "all.pdf").write_bytes(combined_buf.getvalue())
    return len(letters)


def main() -> None:
    pdf_fonts.ensure_fonts()
    fonts = (pdf_fonts.REGULAR, pdf_fonts.BOLD)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(resolve_paths(Path(tmp) / "data", environ={}))
        demo_service.create_demo(engine, pupils=210, today=TODAY)
        year = stats_service.per_pupil(engine, dt.date(2025, 9, 1), TODAY)
        pupil_ids = [f.pupil_id for f in year][:LETTERS]
        letters = merged_texts(engine, pupil_ids)
        school = letter_service._gather(engine, pupil_ids[:1], TODAY, None).head
        head = [school.school_name, *school.address_lines()]
        ours_t, base_t, old_t = [], [], []
        for run in range(RUNS):
            t0 = time.perf_counter()
            made = ours(engine, pupil_ids, Path(tmp) / f"ours{run}")
            ours_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            drawn = baseline(letters, head, Path(tmp) / f"base{run}", school.logo_png, fonts)
            base_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            baseline(letters, head, Path(tmp) / f"old{run}")
            old_t.append(time.perf_counter() - t0)
        engine.dispose()
    o, b, old = (statistics.median(x) for x in (ours_t, base_t, old_t))
    print(f"letters per batch:          {made} (baseline drew {drawn})")
    runs_o, runs_b = [round(x, 2) for x in ours_t], [round(x, 2) for x in base_t]
    print(f"ours (plan + run_batch):    {o:.2f} s median of {RUNS}  {runs_o}")
    print(f"bare ReportLab, same pages: {b:.2f} s median of {RUNS}  {runs_b}"
          f"  (logo: {'yes' if school.logo_png else 'none'}, embedded DejaVu Sans)")
    print(f"bare ReportLab, Helvetica, no logo (the old baseline): {old:.2f} s")
    print(f"ratio ours / baseline:      {o / b:.2f}x (target within {RATIO_TARGET}x): "
          f"{'met' if o / b <= RATIO_TARGET else 'NOT met'}")
    print(f"ratio ours / old baseline:  {o / old:.2f}x")
    verdict = "met" if o < TIME_TARGET_S else "NOT met"
    print(f"under {TIME_TARGET_S:.0f} s:                 {verdict}")


if __name__ == "__main__":
    main()
