"""The kiosk's lists for office staff: who is on site now, the late log and today's
early leavers (signed out, and whether they came back)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    KioskEvent,
    Mark,
    Pupil,
    SchoolClass,
)
from attendance_desktop.domain import codes
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.kiosk.kiosk_rules import (
    in_school,
    on_roll_condition,
    session_at,
    signed_out_ids,
)
from attendance_desktop.services.school import policy_service

# --- for office staff ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnSitePupil:
    pupil_id: int
    name: str
    class_name: str
    status: str  # Present | Late (L) | ...
    arrived: dt.time | None  # kiosk sign-in time, if any
    returned: dt.time | None = None


@dataclass(frozen=True, slots=True)
class LateRow:
    """One late arrival at the kiosk (what the lateness tracker reads)."""

    pupil_id: int
    name: str
    class_name: str
    date: dt.date
    time: dt.time
    session: str
    minutes_late: int
    reason: str
    code: str
    accompanied_by: str


@dataclass(frozen=True, slots=True)
class LeaverRow:
    pupil_id: int
    name: str
    class_name: str
    out_at: dt.time
    reason: str
    collected_by: str
    back_at: dt.time | None


def on_site_names(s: Session) -> dict[int, tuple[str, str, int]]:
    """pupil id -> (name, class name, class sort order) for every pupil."""
    classes = {i: (n, o) for i, n, o in s.execute(
        select(col(SchoolClass.id), col(SchoolClass.name), col(SchoolClass.sort_order))).all()}
    rows = s.execute(select(col(Pupil.id), col(Pupil.preferred_forename),
                            col(Pupil.legal_forename), col(Pupil.preferred_surname),
                            col(Pupil.legal_surname), col(Pupil.class_id))).all()
    out = {}
    for pid, pf, lf, ps, ls, cid in rows:
        cls, order = classes.get(cid, ("", 10**6))
        out[pid] = (f"{pf or lf} {ps or ls}", cls, order)
    return out


_UNKNOWN = ("?", "", 10**6)


def late_log(engine: Engine, start: dt.date, end: dt.date,
             class_id: int | None = None) -> tuple[LateRow, ...]:
    """Every kiosk late arrival from start to end (inclusive), oldest first."""
    if end < start:
        raise ServiceError("the late log's end date is before its start date")
    lo = dt.datetime.combine(start, dt.time())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    with session_scope(engine) as s:
        names = on_site_names(s)
        q = select(KioskEvent).where(col(KioskEvent.kind) == "late_in", col(KioskEvent.at) >= lo,
                                     col(KioskEvent.at) < hi).order_by(col(KioskEvent.at),
                                                                       col(KioskEvent.id))
        if class_id is not None:
            q = q.join(Pupil, col(Pupil.id) == KioskEvent.pupil_id).where(
                col(Pupil.class_id) == class_id)
        events = s.execute(q).scalars().all()
        return tuple(LateRow(
            e.pupil_id, names.get(e.pupil_id, _UNKNOWN)[0],
            names.get(e.pupil_id, _UNKNOWN)[1], e.at.date(), e.at.time().replace(
                microsecond=0), e.session, e.minutes_late or 0, e.reason, e.code,
            e.accompanied_by) for e in events)


def early_leavers(engine: Engine, day: dt.date) -> tuple[LeaverRow, ...]:
    """Pupils who signed out on `day`, with when they came back (if they did)."""
    start = dt.datetime.combine(day, dt.time())
    with session_scope(engine) as s:
        names = on_site_names(s)
        events = s.execute(select(KioskEvent).where(
            col(KioskEvent.at) >= start, col(KioskEvent.at) < start + dt.timedelta(days=1),
            col(KioskEvent.kind).in_(("out", "back"))).order_by(col(KioskEvent.at),
                                                                col(KioskEvent.id))
        ).scalars().all()
    rows: list[LeaverRow] = []
    open_out: dict[int, int] = {}
    for e in events:
        name, cls, _ = names.get(e.pupil_id, _UNKNOWN)
        if e.kind == "out":
            open_out[e.pupil_id] = len(rows)
            rows.append(LeaverRow(e.pupil_id, name, cls, e.at.time().replace(microsecond=0),
                                  e.reason, e.accompanied_by, None))
        elif e.pupil_id in open_out:
            i = open_out.pop(e.pupil_id)
            old = rows[i]
            rows[i] = LeaverRow(old.pupil_id, old.name, old.class_name, old.out_at, old.reason,
                                old.collected_by, e.at.time().replace(microsecond=0))
    return tuple(rows)


def on_site(engine: Engine, now: dt.datetime) -> tuple[OnSitePupil, ...]:
    """Who is on site now: marked present/late this session (the morning mark until the
    afternoon register is taken) or signed in at the kiosk, less those signed out."""
    day = now.date()
    out_ids = signed_out_ids(engine, day)
    with session_scope(engine) as s:
        pol = policy_service.read_policy(s)
        session = session_at(pol, now)
        names = on_site_names(s)
        on_roll = set(s.execute(select(col(Pupil.id)).where(on_roll_condition(day)))
                      .scalars().all())
        marks: dict[int, str] = {}
        for pid, sess, code in s.execute(select(col(Mark.pupil_id), col(Mark.session),
                                                col(Mark.code)).where(
                col(Mark.date) == day)).all():
            if sess == session or (sess == "AM" and pid not in marks):
                marks[pid] = code
        day_start = dt.datetime.combine(day, dt.time())
        arrived: dict[int, dt.time] = {}
        returned: dict[int, dt.time] = {}
        late_in: set[int] = set()
        for pid, kind, at in s.execute(select(col(KioskEvent.pupil_id), col(KioskEvent.kind),
                                              col(KioskEvent.at)).where(
                col(KioskEvent.at) >= day_start, col(KioskEvent.at) <= now,
                col(KioskEvent.kind).in_(("in", "late_in", "back")))
                .order_by(col(KioskEvent.at))).all():
            target = returned if kind == "back" else arrived
            target.setdefault(pid, at.time().replace(second=0, microsecond=0))
            if kind == "late_in":
                late_in.add(pid)
    out: list[tuple[int, OnSitePupil]] = []
    for pid in on_roll:
        code = marks.get(pid)
        here = code is not None and in_school(code)
        if not (here or pid in arrived) or pid in out_ids:
            continue
        # A kiosk arrival with a reason's own code (e.g. M) is on site whatever the code;
        # an arrival before the register started ("in") is on time, not late.
        status = "Late" if pid in late_in or code in ("L", "U") else "Present"
        if code and codes.lookup(code).category is codes.Category.APPROVED:
            status = f"Approved activity ({code})"
        name, cls, order = names[pid]
        out.append((order, OnSitePupil(pid, name, cls, status, arrived.get(pid),
                                       returned.get(pid))))
    out.sort(key=lambda r: (r[0], r[1].class_name, r[1].name.lower()))
    return tuple(r for _, r in out)
