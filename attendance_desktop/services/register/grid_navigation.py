"""Where the register's ◀ ▶ and "go there" lead: Qt-free, so every span can be tested."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.domain.calendar import Span
from attendance_desktop.services.school.calendar_service import YearInfo


def _spans(kind: str, years: Sequence[YearInfo]) -> list[Span]:
    if kind == "year":
        return sorted((Span(y.name, y.start, y.end) for y in years), key=lambda s: s.start)
    out = [s for y in years for s in (y.half_terms if kind == "half_term" else y.terms)]
    return sorted(out, key=lambda s: s.start)


def step_anchor(kind: str, anchor: dt.date, direction: int,
                years: Sequence[YearInfo]) -> dt.date | None:
    """The date to show after one step back (-1) or forward (+1) from `anchor`.

    A day steps over weekends, a week by seven days; a half term, term or year goes to the
    start of the previous or next one in the stored calendar (holidays between are skipped).
    None when the calendar has nothing further that way.
    """
    if kind == "day":
        day = anchor + dt.timedelta(days=direction)
        while day.weekday() >= 5:
            day += dt.timedelta(days=direction)
        return day
    if kind == "week":
        return anchor + dt.timedelta(days=7 * direction)
    spans = _spans(kind, years)
    current = next((s for s in spans if s.start <= anchor <= s.end), None)
    if direction > 0:
        after = current.end if current else anchor
        later = [s for s in spans if s.start > after]
        return later[0].start if later else None
    before = current.start if current else anchor
    earlier = [s for s in spans if s.end < before]
    return earlier[-1].start if earlier else None


def pupil_class_id(engine: Engine, pupil_id: int) -> int | None:
    """The pupil's class (None for no class or an unknown pupil)."""
    with session_scope(engine) as s:
        pupil = s.get(Pupil, pupil_id)
        return pupil.class_id if pupil is not None else None
