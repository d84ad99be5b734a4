"""Exporting marks to a CSV file, a chunk at a time."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine

from attendance_desktop.db.models import (
    Mark,
    Pupil,
)
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.interchange.import_service import CHUNK, MARK_COLUMNS, run_to_end


@dataclass(frozen=True, slots=True)
class MarkExportResult:
    file: str
    exported: int
    skipped_pupils: int = 0  # pupils with marks in range but no UPN
    skipped_marks: int = 0
    pupils: int = 0  # pupils named in the file (for the access log)

    def __int__(self) -> int:
        return self.exported

    def __str__(self) -> str:
        text = f"exported {self.exported} marks to {self.file}"
        if self.skipped_pupils:
            text += (f"; {self.skipped_marks} marks of {self.skipped_pupils} pupil"
                     f"{'s' if self.skipped_pupils != 1 else ''} without a UPN were left out")
        return text


def export_marks(engine: Engine, dest: Path, start: dt.date | None = None,
                 end: dt.date | None = None) -> MarkExportResult:
    """Write marks to CSV; see export_marks_job."""
    return run_to_end(export_marks_job(engine, dest, start, end))


def export_marks_job(engine: Engine, dest: Path, start: dt.date | None = None,
                     end: dt.date | None = None, token: CancelToken | None = None,
                     ) -> Generator[Progress, None, MarkExportResult]:
    """Write marks as upn,date,session,code,minutes_late,comment ordered by date, session, UPN.

    Pupils without a UPN cannot be matched on re-import, so their marks are left out
    and counted in the result.
    """
    if start and end and start > end:
        raise ServiceError(f"the start date {start} is after the end date {end}")
    dest = Path(dest)
    m = Mark.__table__.c  # type: ignore[attr-defined]
    p = Pupil.__table__.c  # type: ignore[attr-defined]
    where = []
    if start:
        where.append(m.date >= start)
    if end:
        where.append(m.date <= end)
    q = (sa_select(p.upn, m.pupil_id, m.date, m.session, m.code, m.minutes_late, m.comment)
         .select_from(Mark.__table__.join(Pupil.__table__, p.id == m.pupil_id))  # type: ignore[attr-defined]
         .where(*where).order_by(m.date, m.session, p.upn))
    token = token or CancelToken()
    exported = skipped = 0
    no_upn: set[int] = set()
    pupils_out: set[int] = set()
    # Written to a temporary file renamed at the end, so a Cancel or an error never
    # leaves half a file (or spoils an older export of the same name).
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        with engine.connect() as conn, _open_for_writing(partial, dest) as fh:
            total = conn.execute(sa_select(func.count()).select_from(Mark.__table__)  # type: ignore[attr-defined]
                                 .where(*where)).scalar_one()
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(MARK_COLUMNS)
            for n, row in enumerate(conn.execute(q)):
                if n % CHUNK == 0:
                    token.check()
                    yield Progress(n, total, f"Writing mark {n + 1} of {total}")
                if not row.upn:
                    skipped += 1
                    no_upn.add(row.pupil_id)
                    continue
                # A comment like "-2+3" or "=HYPERLINK(...)" must not run in a spreadsheet;
                # import_marks takes the guarding apostrophe off again.
                writer.writerow(safe_row([
                    row.upn, row.date.isoformat(), row.session, row.code,
                    "" if row.minutes_late is None else row.minutes_late, row.comment or ""]))
                exported += 1
                pupils_out.add(row.pupil_id)
        token.check()
        partial.replace(dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return MarkExportResult(dest.name, exported, len(no_upn), skipped, len(pupils_out))


def _open_for_writing(path: Path, shown: Path) -> io.TextIOWrapper:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ServiceError(f"cannot write {shown}: {exc.strerror or exc}") from None
