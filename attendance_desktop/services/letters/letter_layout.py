"""A letter laid out: one family's pages (PDF or page operations), previews and blank forms."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.engine import Engine

from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.letters.letter_facts import (
    Facts,
    FamilyLetter,
    family_letters,
    gather_facts,
    group_families,
)
from attendance_desktop.services.letters.letter_plans import (
    BatchPlan,
    check_fit,
    pupil_choices,
    template_period_kind,
)
from attendance_desktop.services.letters.letter_templates import TemplateDef
from attendance_desktop.services.letters.merge_fields import (
    child_values,
    long_date,
    merge_values,
    missing_inputs,
)
from attendance_desktop.services.letters.template_store import (
    TemplateInfo,
    get_template,
    template_definition,
)
from attendance_desktop.services.letters.template_syntax import (
    DIRECTIVE_RE,
    EXTRA_RE,
    check_template,
    substitute,
)
from attendance_desktop.services.letters.template_syntax import inputs_needed as _inputs_needed
from attendance_desktop.services.pdf.composer import Composer
from attendance_desktop.services.pdf.letterhead import Letterhead, full_pages, png_size
from attendance_desktop.services.pdf.page_layout import ACCENT, BOTTOM, INK, Op, Page, shift_page
from attendance_desktop.services.pdf.pdf_canvas import render_pdf

# --- composing pages --------------------------------------------------------------------


def _figures_rows(facts: Facts, ids: Sequence[int]) -> list[list[str]]:
    rows = []
    for pid in ids:
        v = child_values(facts, pid)
        rows.append([v["full_name"], v["class_name"], f"{v['attendance_pct']}%",
                     f"{v['attendance_pct_ytd']}%", v["sessions_missed"], v["late_count"]])
    return rows


def _compose(facts: Facts, d: TemplateDef, title: str, body: str, letter: FamilyLetter,
             ids: Sequence[int], today: dt.date, extra: Mapping[str, str]) -> list[Page]:
    values = merge_values(facts, letter, ids, today, extra)
    head = facts.head
    cert = d.layout == "certificate"
    comp = Composer(head, with_letterhead=not cert, border=cert)
    if d.layout == "letter":
        comp.address_and_date(letter.address_lines, long_date(today))
    elif d.layout == "certificate":
        if head.logo_png:
            size = png_size(head.logo_png)
            if size and size[1]:
                h = 26 * 2.8346
                comp.image(head.logo_png, h * size[0] / size[1], h)
        comp.paragraph(head.school_name, size=16, bold=True, align="center",
                       colour=ACCENT, space_after=30)
    para: list[str] = []

    def flush() -> None:
        if para:
            text = substitute("\n".join(para), values).strip()
            para.clear()
            if not text:
                return
            if cert:
                whole_bold = text.startswith("**") and text.endswith("**")
                comp.paragraph(text, size=26 if whole_bold else 15, align="center",
                               space_after=20, colour=ACCENT if whole_bold else INK)
            else:
                comp.paragraph(text)

    for raw in body.split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        m = DIRECTIVE_RE.match(stripped)
        if not stripped:
            flush()
        elif m:
            flush()
            _directive(comp, facts, m.group(1), m.group(2) or "", values, ids, head, cert)
            if cert:
                comp.spacer(10)
        elif stripped.startswith("## "):
            flush()
            comp.heading(substitute(stripped[3:], values), level=2)
        elif stripped.startswith("# "):
            flush()
            text = substitute(stripped[2:], values)
            if cert:
                comp.paragraph(text, size=32, bold=True, align="center", colour=ACCENT,
                               space_after=26)
            else:
                comp.heading(text, level=1)
        elif stripped.startswith("- "):
            flush()
            text = substitute(stripped[2:], values).strip()
            if text:
                comp.bullet(text)
        else:
            para.append(line)
    flush()
    if cert and len(comp.pages) == 1:
        shift_page(comp.pages[0], -(comp.y - BOTTOM) * 0.45)  # centre on the page
    return comp.pages


def _directive(comp: Composer, facts: Facts, name: str, arg: str,
               values: dict[str, str], ids: Sequence[int], head: Letterhead,
               centred: bool) -> None:
    arg = substitute(arg, values)
    if name == "signature":
        if arg.strip() == "lead" and head.attendance_lead_name:
            comp.signature(head.attendance_lead_name, "Attendance lead", centred=centred)
        else:
            comp.signature(head.head_name or "Headteacher",
                           "Headteacher" if head.head_name else "", centred=centred)
    elif name == "figures":
        comp.table(["Child", "Class", f"{facts.period.name}", "Year to date",
                    "Sessions missed", "Lates"], _figures_rows(facts, ids))
    elif name == "chart":
        bars = []
        for pid in ids:
            ch = facts.children[pid]
            bars.append((f"{ch.forename} {ch.surname}",
                         facts.period_counts.get(pid, Counts()).attendance_pct_1dp()))
        comp.bar_chart(bars, facts.policy.target_pct,
                       title=f"Attendance in {facts.period.name}")
    elif name == "write":
        parts = arg.split("|")
        lines = int(parts[1]) if len(parts) > 1 and parts[1].strip().isdigit() else 1
        comp.write_in(parts[0].strip(), lines, parts[2].strip() if len(parts) > 2 else "")
    elif name == "tick":
        comp.tick_box(arg.strip())
    elif name == "sign":
        comp.sign_lines([p.strip() for p in arg.split("|") if p.strip()] or ["Signed"])
    elif name == "rule":
        comp.rule()
    elif name == "pagebreak":
        comp.new_page()


def letter_documents(facts: Facts, d: TemplateDef, tpl: TemplateInfo, letter: FamilyLetter,
               today: dt.date, extra: Mapping[str, str]) -> list[list[Page]]:
    groups = [list(letter.pupil_ids)] if d.family else [[i] for i in letter.pupil_ids]
    return [_compose(facts, d, tpl.title, tpl.body, letter, g, today, extra) for g in groups]


def check_ready(tpl: TemplateInfo, extra: Mapping[str, str]) -> None:
    d = template_definition(tpl.key)
    problems = check_template(tpl.body, family=d.family)
    if problems:
        raise ServiceError(f"the '{tpl.title}' letter cannot be made: " + "; ".join(problems)
                           + ". Correct the wording under Letters › Templates.")
    missing = missing_inputs(tpl.body, extra)
    if missing:
        raise ServiceError(f"the '{tpl.title}' letter needs: "
                           + ", ".join(_input_label(n) for n in missing))


def _input_label(name: str) -> str:
    m = EXTRA_RE.match(name)
    if m:
        name = m.group(1)
    return name.replace("_", " ")


def input_label(name: str) -> str:
    """A readable label for an input name ('extra:leave_dates' -> 'leave dates')."""
    return _input_label(name).capitalize()


def letter_pages(engine: Engine, template_key: str, pupil_ids: Sequence[int], *,
                 today: dt.date, extra: Mapping[str, str] | None = None,
                 period: Span | None = None) -> tuple[Letterhead, list[list[Op]]]:
    """The letters for these pupils as page operations (for preview and printing)."""
    head, docs = _family_documents(engine, template_key, pupil_ids, today, extra, period)
    pages: list[list[Op]] = []
    for doc in docs:
        pages.extend(full_pages(head, doc))
    return head, pages


def _family_documents(engine: Engine, template_key: str, pupil_ids: Sequence[int],
                      today: dt.date, extra: Mapping[str, str] | None,
                      period: Span | None) -> tuple[Letterhead, list[list[Page]]]:
    if not pupil_ids:
        raise ServiceError("choose at least one pupil for the letter")
    extra = dict(extra or {})
    tpl = get_template(engine, template_key)
    check_ready(tpl, extra)
    d = template_definition(template_key)
    facts = gather_facts(engine, pupil_ids, today, period, template_period_kind(d))
    ids = list(dict.fromkeys(pupil_ids))
    groups = group_families(facts, ids) if d.family else [ids]
    docs: list[list[Page]] = []
    for group in groups:
        for letter in family_letters(facts, group):
            docs.extend(letter_documents(facts, d, tpl, letter, today, extra))
    return facts.head, docs


def render_family_letter(engine: Engine, template_key: str, pupil_ids: Sequence[int], *,
                         today: dt.date, extra: Mapping[str, str] | None = None,
                         period: Span | None = None) -> bytes:
    """One PDF for one family's letter (nothing is recorded in the letters log)."""
    head, docs = _family_documents(engine, template_key, pupil_ids, today, extra, period)
    return render_pdf(docs, head, get_template(engine, template_key).title)


def render_blank_form(engine: Engine, template_key: str, *, today: dt.date) -> bytes:
    """A form with nothing filled in about a child, e.g. the leave request form that parents
    pick up at the office. Only templates laid out as forms can be blank."""
    d = template_definition(template_key)
    tpl = get_template(engine, template_key)
    if d.layout != "form":
        raise ServiceError(f"'{tpl.title}' is a letter about a child, not a form: choose a pupil")
    check_ready(tpl, {})
    facts = gather_facts(engine, [], today, None, template_period_kind(d))
    blank = FamilyLetter("", (), (), "", "Dear Parent or Carer", (), ())
    doc = _compose(facts, d, tpl.title, tpl.body, blank, [], today, {})
    return render_pdf([doc], facts.head, tpl.title)


def plan_pages(engine: Engine, plan: BatchPlan, *, today: dt.date,
               include_repeats: bool = False, limit: int | None = None,
               ) -> tuple[Letterhead, list[list[Op]]]:
    """The plan's letters as page operations (preview: `limit=1`; printing: all)."""
    letters = [x for x in plan.letters if include_repeats or x.repeat_of is None]
    if limit is not None:
        letters = letters[:limit]
    extra = dict(plan.extra)
    tpl = get_template(engine, plan.template_key)
    check_ready(tpl, extra)
    d = template_definition(plan.template_key)
    facts = gather_facts(engine, [i for x in letters for i in x.pupil_ids], today, plan.period,
                    template_period_kind(d))
    pages: list[list[Op]] = []
    for letter in letters:
        for doc in letter_documents(facts, d, tpl, letter, today, extra):
            pages.extend(full_pages(facts.head, doc))
    return facts.head, pages


def preview_wording(engine: Engine, template_key: str, body: str, *, today: dt.date,
                    title: str | None = None) -> tuple[Letterhead, list[list[Op]]]:
    """Unsaved wording laid out for the first pupil on roll the letter fits (see
    `preview_pupil`), with values still to be typed shown in [brackets]."""
    d = template_definition(template_key)
    problems = check_template(body, family=d.family)
    if problems:
        raise ServiceError("; ".join(problems))
    tpl = dataclasses.replace(get_template(engine, template_key), body=body,
                              title=title or d.title)
    extra = {n.removeprefix("extra:"): f"[{_input_label(n)}]" for n in _inputs_needed(body)}
    pid, _note = preview_pupil(engine, template_key, today)
    facts = gather_facts(engine, [pid], today, None, template_period_kind(d))
    letter = family_letters(facts, [pid])[0]
    pages: list[list[Op]] = []
    for doc in letter_documents(facts, d, tpl, letter, today, extra):
        pages.extend(full_pages(facts.head, doc))
    return facts.head, pages


def preview_pupil(engine: Engine, template_key: str, today: dt.date) -> tuple[int, str]:
    """The pupil a wording preview is shown for: the first on roll the letter fits, so a
    preview never reads wrongly for its child; when none fits, the first on roll, with a
    note saying why the letter does not fit them."""
    d = template_definition(template_key)
    ids = [c.id for c in pupil_choices(engine, today)]
    if not ids:
        raise ServiceError("add a pupil to see a preview of the letter")
    facts = gather_facts(engine, ids, today, None, template_period_kind(d))
    unfit = check_fit(engine, d, ids, today, facts)
    fits = [i for i in ids if i not in unfit]
    if fits:
        return fits[0], ""
    ch = facts.children[ids[0]]
    return ids[0], (f"No pupil fits this letter today; it is shown for {ch.forename} "
                    f"{ch.surname}, whom it does not fit: {unfit[ids[0]]}.")
