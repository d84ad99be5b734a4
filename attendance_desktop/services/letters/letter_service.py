"""Sending letters to families: batches, single letters chosen from a case, the letters log.

The letters wing, by job: `letter_templates` (the ready-made wording, merge fields and
`check_template`), `template_store` (the school's edited templates), `letter_facts` (the
facts one read gathers, families and addressing), `letter_plans` (who a batch goes to),
`merge_fields` (each letter's values), `letter_layout` (pages, previews, blank forms),
`letter_batch` (writing a batch to disk), and this module (running a batch, recording it).

Caller-supplied values are written `{extra:name}` in a template and passed as
`extra={"name": "..."}`; meeting details go in `extra` as `meeting_date`, `meeting_time`,
`meeting_place`. `template_store.inputs_needed(key)` lists what a template needs from the
caller. Extras the ready-made wording uses: `leave_granted` leave_dates, sessions_granted,
conditions (may be ""); `leave_refused` leave_dates, reasons (may be "");
`first_day_absence` absence_date; `explanation_request` and `signed_letter_request`
absence_dates; `certificate_personal_target` personal_target; the panel, meeting and
contract letters meeting_date, meeting_time, meeting_place. A school's edited wording
may use others: always ask `inputs_needed`.

* `template_store`: templates live in the `LetterTemplate` table, seeded from the defaults
  on first use:
  `list_templates` (the school's preset's letters, then the shared ones), `get_template`,
  `save_template` (refused with the problems when a field is unknown), `reset_template`
  (back to the ready-made wording). Edits are recorded in `SettingChange` (area
  "letters": who, when, old and new text).
* `letter_layout.render_family_letter(engine, key, pupil_ids, *, today, extra=None,
  period=None) -> bytes` one PDF for one family (nothing recorded): brothers and sisters
  share one letter when the template is a family letter, otherwise each child has their
  own pages in the one PDF.
* `letter_plans.plan_batch(engine, key, pupil_ids, *, today, extra=None, period=None, include=None,
  guard=True) -> BatchPlan` first leaves out the pupils the letter does not fit (its
  `letter_rules.Condition`: band over the letter's period, comparison with the period
  before, certificate threshold, lateness level, off roll on the letter date), listing them
  in `BatchPlan.unfit` with why; `include={pupil_id: reason}` keeps them in
  (`BatchPlan.included`), which only the headteacher may send and `run_batch` records in
  the access log. `record_letter` (one letter chosen from a case or a leave decision) does
  not apply the guard. It then groups pupils into families (children who share a contact
  with parental responsibility living with them), addresses each letter to the contacts
  with parental responsibility who live with the children, and flags families sent the
  same letter within
  `Policy.letter_repeat_days` (`FamilyLetter.repeat_of`).
* `run_batch(engine, actor, plan, *, today, out_dir, cancel, include_repeats=False)`: a
  generator yielding `Progress`; returns a `BatchResult` (paths and counts). Writes one PDF
  per letter and one combined PDF into a new folder inside `out_dir`, and records every
  letter in `LetterLog` (type, pupils, addressee, date, who, PDF) in one transaction at the
  end, so a cancelled batch records nothing and leaves no files.
* `letters_for_pupil(engine, pupil_id)`, `list_letters(engine, ...)`,
  `letter_pdf(engine, log_id) -> bytes`.
* `letter_layout.preview_pupil(engine, key, today) -> (pupil_id, note)`: who a wording
  preview is laid out for (a pupil the letter fits; when none does, a note says why).
* `letter_layout.letter_pages(...)` returns the same letter as page operations for the GUI to paint
  (preview and printing through QPrinter) exactly as the PDF is laid out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    LetterLog,
    LetterTemplate,
    Pupil,
)
from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import NotFound, PermissionDenied
from attendance_desktop.services.letters import letter_batch
from attendance_desktop.services.letters.letter_facts import FamilyLetter, gather_facts, join_names
from attendance_desktop.services.letters.letter_layout import (
    check_ready,
    letter_documents,
    render_family_letter,
)
from attendance_desktop.services.letters.letter_plans import (
    BatchPlan,
    plan_batch,
    template_period_kind,
)
from attendance_desktop.services.letters.template_store import (
    get_template,
    letter_title,
    need_sender,
    template_definition,
)
from attendance_desktop.services.pdf import page_layout
from attendance_desktop.services.records import audit_service


@dataclass(frozen=True, slots=True)
class BatchResult:
    folder: Path
    combined_pdf: Path | None
    letter_pdfs: tuple[Path, ...]
    letters_made: int
    skipped_repeats: int
    log_ids: tuple[int, ...]
    combined_parts: tuple[Path, ...] = ()  # over 250 letters: the combined file in parts


@dataclass(frozen=True, slots=True)
class LetterLogEntry:
    id: int
    template_key: str
    title: str
    pupil_ids: tuple[int, ...]
    pupil_names: str
    addressee: str
    sent_on: dt.date
    staff_name: str
    has_pdf: bool


# --- batches ----------------------------------------------------------------------------


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9 ._-]+", "", text).strip()[:60] or "letter"


def _new_folder(out_dir: Path, today: dt.date, title: str) -> Path:
    base = out_dir / f"{today.isoformat()} {_safe(title)}"
    folder, n = base, 2
    while folder.exists():
        folder = Path(f"{base} ({n})")
        n += 1
    return folder


GATHER_CHUNK = 200  # letters whose figures run_batch holds at once


def run_batch(engine: Engine, actor: Actor, plan: BatchPlan, *, today: dt.date,
              out_dir: Path | str, cancel: CancelToken,
              include_repeats: bool = False) -> Generator[Progress, None, BatchResult]:
    """Make every letter of the plan; record them all at the end (cancel = nothing kept)."""
    need_sender(actor, "send letters")
    if plan.included and actor.role not in (Role.HEAD, Role.SYSTEM):
        raise PermissionDenied("only the headteacher can send a letter to a pupil it does "
                               "not fit")
    letters = [x for x in plan.letters if include_repeats or x.repeat_of is None]
    skipped = len(plan.letters) - len(letters)
    total = len(letters)
    extra = dict(plan.extra)
    tpl = get_template(engine, plan.template_key)
    check_ready(tpl, extra)
    d = template_definition(plan.template_key)
    yield Progress(0, total, "Gathering attendance figures…")
    facts = gather_facts(engine, [i for x in letters[:GATHER_CHUNK] for i in x.pupil_ids], today,
                    plan.period, template_period_kind(d))
    cancel.check()
    if not letters:
        return BatchResult(Path(out_dir), None, (), 0, skipped, ())

    def items() -> Iterator[tuple[FamilyLetter, list[list[page_layout.Page]]]]:
        # Figures are gathered GATHER_CHUNK letters at a time, so a batch for 2,000
        # families holds no more than one chunk's figures (flat memory).
        chunk_facts = facts
        for start in range(0, total, GATHER_CHUNK):
            chunk = letters[start:start + GATHER_CHUNK]
            if start:
                chunk_facts = gather_facts(engine, [i for x in chunk for i in x.pupil_ids], today,
                                      plan.period, template_period_kind(d))
            for letter in chunk:
                yield letter, letter_documents(chunk_facts, d, tpl, letter, today, extra)

    # Written to disk as made, in letter_batch (flat memory at 2,000 families).
    folder = _new_folder(Path(out_dir), today, tpl.title)
    paths, combined, log_ids, _ = yield from letter_batch.write_batch(
        engine, actor, plan.template_key, tpl.title, facts.head, items(), total,
        folder=folder, today=today, cancel=cancel, safe_name=_safe,
        included=plan.included)
    return BatchResult(folder, combined[0] if combined else None, paths, len(paths), skipped,
                       log_ids, combined)


def _record(engine: Engine, actor: Actor, key: str, made: list[tuple[FamilyLetter, bytes]],
            today: dt.date, folder: str = "",
            included: Sequence[tuple[int, str, str]] = ()) -> tuple[int, ...]:
    rows = []
    sent = {int(p) for letter, _ in made for p in letter.family_key.split(",") if p}
    with session_scope(engine) as s:
        letter_batch.log_included(s, actor, key, folder, included, sent)
        if folder:  # a batch written to files: in the access log too
            audit_service.record_export(
                s, actor, f"letters batch ({key})",
                {p for letter, _ in made for p in letter.family_key.split(",") if p},
                folder, details=f"{len(made)} letters")
        for letter, pdf in made:
            row = LetterLog(template_key=key, family_key=letter.family_key,
                            pupil_ids=letter.family_key, addressee=letter.addressee,
                            sent_on=today, staff_name=actor.name, pdf=pdf)
            s.add(row)
            rows.append(row)
        s.flush()
        return tuple(r.id for r in rows if r.id is not None)


def record_letter(engine: Engine, actor: Actor, template_key: str, pupil_ids: Sequence[int],
                  *, today: dt.date, extra: Mapping[str, str] | None = None,
                  period: Span | None = None) -> tuple[int, bytes]:
    """Make one family's letter and record it in the log (for leave decisions, trackers)."""
    need_sender(actor, "send letters")
    pdf = render_family_letter(engine, template_key, pupil_ids, today=today, extra=extra,
                               period=period)
    plan = plan_batch(engine, template_key, pupil_ids, today=today, extra=extra, period=period,
                      guard=False)
    first = plan.letters[0]
    addressee = join_names([x.addressee for x in plan.letters])
    letter = dataclasses.replace(first, addressee=addressee)
    (log_id,) = _record(engine, actor, template_key, [(letter, pdf)], today)
    return log_id, pdf


# --- the letters log ----------------------------------------------------------------------


def _entries(s: Session, rows: Sequence[Any]) -> list[LetterLogEntry]:
    ids = {int(p) for r in rows for p in r.pupil_ids.split(",") if p.strip().isdigit()}
    names: dict[int, str] = {}
    if ids:
        for p in s.exec(select(Pupil).where(col(Pupil.id).in_(ids))):
            assert p.id is not None
            names[p.id] = f"{p.preferred_forename or p.legal_forename} {p.legal_surname}"
    titles = {t.key: t.title for t in s.exec(select(LetterTemplate))}
    out = []
    for r in rows:
        pids = tuple(int(p) for p in r.pupil_ids.split(",") if p.strip().isdigit())
        out.append(LetterLogEntry(
            r.id, r.template_key, titles.get(r.template_key, letter_title(r.template_key)),
            pids, join_names([names.get(p, f"pupil {p}") for p in pids]), r.addressee, r.sent_on,
            r.staff_name, bool(r.has_pdf)))
    return out


def list_letters(engine: Engine, *, template_key: str | None = None,
                 start: dt.date | None = None, end: dt.date | None = None,
                 pupil_id: int | None = None, limit: int = 2000) -> list[LetterLogEntry]:
    """Letters sent, newest first, filtered by type, dates and pupil (PDFs not loaded)."""
    L = LetterLog.__table__.c  # type: ignore[attr-defined]  # noqa: N806
    q = select(L.id, L.template_key, L.pupil_ids, L.addressee, L.sent_on, L.staff_name,  # type: ignore[call-overload]
               L.pdf.is_not(None).label("has_pdf"))
    if template_key:
        q = q.where(L.template_key == template_key)
    if start:
        q = q.where(L.sent_on >= start)
    if end:
        q = q.where(L.sent_on <= end)
    if pupil_id is not None:
        pid = str(pupil_id)
        q = q.where((L.pupil_ids == pid) | L.pupil_ids.like(f"{pid},%")
                    | L.pupil_ids.like(f"%,{pid}") | L.pupil_ids.like(f"%,{pid},%"))
    q = q.order_by(L.sent_on.desc(), L.id.desc()).limit(limit)
    with session_scope(engine) as s:
        rows = s.exec(q).all()
        return _entries(s, rows)


def letters_for_pupil(engine: Engine, pupil_id: int) -> list[LetterLogEntry]:
    """Every letter sent about this pupil (alone or with brothers and sisters), newest first."""
    return list_letters(engine, pupil_id=pupil_id)


def letter_pdf(engine: Engine, log_id: int) -> bytes:
    with session_scope(engine) as s:
        row = s.get(LetterLog, log_id)
        if row is None or row.pdf is None:
            raise NotFound(f"letter {log_id} has no stored PDF")
        return bytes(row.pdf)
