"""Writing a batch of letters to disk as it is made (flat memory at any school size).

Each letter's PDF is written to the batch folder as soon as it is drawn and is not kept
in memory; the combined file for printing is written in parts of `COMBINED_PART` letters
(ReportLab keeps a whole document in memory until it is saved, so one combined file for
2,000 families would grow with the school); the letters log is filled at the end, one
file read back at a time, in one transaction. Cancelled or failed: the files written so
far are removed and nothing is recorded (the batch is all or nothing, as before).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import LetterLog
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.pdf import letterhead, page_layout, pdf_canvas
from attendance_desktop.services.records import audit_service

COMBINED_PART = 250  # letters per combined file: half a ream, a sensible print job
_FLUSH_EVERY = 50  # log rows written to the database between releases of memory


def combined_name(total: int, part: int, parts: int, first: int, last: int) -> str:
    if parts == 1:
        return f"All {total} letters.pdf"
    return f"All {total} letters, part {part} of {parts} (letters {first}-{last}).pdf"


def write_batch(engine: Engine, actor: Actor, key: str, title: str, head: letterhead.Letterhead,
                items: Iterable[tuple[Any, Sequence[Sequence[page_layout.Page]]]], total: int, *,
                folder: Path, today: dt.date, cancel: CancelToken, safe_name: Any,
                included: Sequence[tuple[int, str, str]] = ()
                ) -> Generator[Progress, None, tuple[tuple[Path, ...], tuple[Path, ...],
                                                    tuple[int, ...], list[Any]]]:
    """Draw, write and record every letter; returns (letter files, combined parts, log
    ids, letters). `items` yields (FamilyLetter, documents) lazily, one letter at a time."""
    parts = max(1, -(-total // COMBINED_PART))
    written: list[Path] = []
    combined: list[Path] = []
    letters: list[Any] = []
    part_canvas: Any = None
    part_buf: io.BytesIO | None = None
    part_first = 1

    def close_part(last: int) -> None:
        nonlocal part_canvas, part_buf
        if part_canvas is None or part_buf is None:
            return
        part_canvas.save()
        path = folder / combined_name(total, len(combined) + 1, parts, part_first, last)
        path.write_bytes(part_buf.getvalue())
        combined.append(path)
        part_canvas, part_buf = None, None

    try:
        folder.mkdir(parents=True)
        n = 0
        for n, (letter, docs) in enumerate(items, start=1):
            cancel.check()
            if part_canvas is None:
                part_buf = io.BytesIO()
                part_first = n
                part_canvas = pdf_canvas.new_canvas(part_buf, f"{title}: {total} letters",
                                                    head.school_name)
            buf = io.BytesIO()
            c = pdf_canvas.new_canvas(buf, f"{title}: {letter.addressee}", head.school_name)
            for doc in docs:
                pdf_canvas.draw_pages(c, head, doc)
                pdf_canvas.draw_pages(part_canvas, head, doc)
            c.save()
            path = folder / f"{n:03d} {safe_name(letter.pupil_names[0])}.pdf"
            path.write_bytes(buf.getvalue())
            written.append(path)
            letters.append(letter)
            if n % COMBINED_PART == 0:
                close_part(n)
            yield Progress(n, total, f"Letter {n} of {total}: {letter.addressee}")
        close_part(n)
        cancel.check()
        yield Progress(total, total, "Recording the letters in the letters log…")
        ids = record(engine, actor, key, letters, written, today, folder.name, included)
    except BaseException:  # cancelled, failed, or the generator closed: keep nothing
        for p in [*written, *combined]:
            p.unlink(missing_ok=True)
        if folder.exists() and not any(folder.iterdir()):
            folder.rmdir()
        raise
    return tuple(written), tuple(combined), ids, letters


def record(engine: Engine, actor: Actor, key: str, letters: Sequence[Any],
           paths: Sequence[Path], today: dt.date, folder: str,
           included: Sequence[tuple[int, str, str]] = ()) -> tuple[int, ...]:
    """One transaction: the export in the access log (with each pupil the head included
    outside the letter's conditions, why and the head's reason) and a letters-log row per
    letter with its PDF, read from disk one at a time and released after each flush."""
    ids: list[int] = []
    sent = {int(p) for letter in letters for p in letter.family_key.split(",") if p}
    with session_scope(engine) as s:
        log_included(s, actor, key, folder, included, sent)
        audit_service.record_export(
            s, actor, f"letters batch ({key})",
            {p for letter in letters for p in letter.family_key.split(",") if p},
            folder, details=f"{len(letters)} letters")
        pending: list[LetterLog] = []
        for letter, path in zip(letters, paths, strict=True):
            row = LetterLog(template_key=key, family_key=letter.family_key,
                            pupil_ids=letter.family_key, addressee=letter.addressee,
                            sent_on=today, staff_name=actor.name, pdf=path.read_bytes())
            s.add(row)
            pending.append(row)
            if len(pending) >= _FLUSH_EVERY:
                ids.extend(_release(s, pending))
        ids.extend(_release(s, pending))
    return tuple(ids)


def _release(s: Any, rows: list[LetterLog]) -> list[int]:
    s.flush()
    out = [r.id for r in rows if r.id is not None]
    for r in rows:
        s.expunge(r)  # the PDF bytes go with the row
    rows.clear()
    return out


def log_included(s: Any, actor: Actor, key: str, folder: str,
                 included: Iterable[tuple[int, str, str]], sent: set[int]) -> None:
    """The head's decision to send a letter outside its conditions, in the access log, for
    each such pupil who was sent one (paper and email batches alike)."""
    for pid, why, reason in included:
        if pid in sent:
            audit_service.add_access(
                s, actor, "export", f"letter outside its conditions ({key})", [pid],
                folder, details=f"pupil {pid}: {why}. Included because: {reason}")
