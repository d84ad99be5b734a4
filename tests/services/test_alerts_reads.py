"""The alerts' reads against plain counting of every mark, on the demo school (two years,
closures, late, absent, N and leave marks) with edge cases added: the period counts
(marks per segment counted in SQL, the rest read as rows), the recent and picked marks,
the whole-school driver path against the per-pupil SQLAlchemy path, and the flags' one-pass
grouping of open marks against the plain two-step version."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain import escalation
from attendance_desktop.domain.calendar import Span
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.trackers import alerts_reads, alerts_service
from tests.conftest import HEAD, clock_at, put_marks

TODAY = dt.date(2026, 7, 15)
# the last day, a half term's last day, a first day back, the first week of the year,
# and a day in the middle of a term
DAYS = (TODAY, dt.date(2026, 5, 22), dt.date(2026, 4, 13), dt.date(2025, 9, 10),
        dt.date(2026, 1, 28))
Marks = dict[int, list[tuple[dt.date, str, str]]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, _template_database: Path
         ) -> Iterator[Engine]:
    paths = resolve_paths(tmp_path_factory.mktemp("alerts_reads") / "data", environ={})
    assert paths.sqlite_file is not None
    paths.sqlite_file.parent.mkdir(parents=True, mode=0o700)
    shutil.copyfile(_template_database, paths.sqlite_file)  # migrated once per run
    engine = open_database(paths)
    demo_service.create_demo(engine, seed=7, pupils=40, today=TODAY, years=2)
    with session_scope(engine) as s:
        ids = [i for i in s.execute(select(Pupil.id).where(
            Pupil.admission_date <= dt.date(2025, 9, 1), Pupil.leaving_date.is_(None)
        ).order_by(Pupil.id)).scalars()]  # on roll all year
    # edge cases: a run of absence over a half-day closure, N marks, leave marks, a mark
    # on the window's first and last days
    clock_at(engine, dt.datetime(2026, 7, 15, 8, 0))
    calendar_service.add_closure(engine, HEAD, dt.date(2026, 7, 8), "PM",
                                 description="Sports afternoon")
    run = [d for d in (TODAY - dt.timedelta(days=k) for k in range(30)) if d.weekday() < 5]
    cells = [(ids[0], d, s, "O") for d in run for s in ("AM", "PM")
             if (d, s) != (dt.date(2026, 7, 8), "PM")]
    cells += [(ids[1], dt.date(2026, 7, 13), "AM", "N"), (ids[1], TODAY, "PM", "N"),
              (ids[2], dt.date(2026, 6, 1), "AM", "C"), (ids[2], dt.date(2026, 6, 1), "PM", "C"),
              (ids[3], dt.date(2026, 6, 1), "AM", "I"), (ids[3], TODAY, "AM", "L")]
    put_marks(engine, HEAD, cells)
    yield engine
    engine.dispose()


def every_mark(engine: Engine) -> Marks:
    out: Marks = {}
    with session_scope(engine) as s:
        for pid, day, session, code in s.execute(select(Mark.pupil_id, Mark.date,
                                                        Mark.session, Mark.code)):
            out.setdefault(pid, []).append((day, session, code))
    return out


def spans(engine: Engine, on: dt.date, now: dt.datetime) -> tuple[Span | None, ...]:
    years = calendar_service.list_years(engine)
    per = alerts_service.periods(policy_service.load_policy(engine), years,
                                 calendar_service.load_calendar(engine), on, now)
    return per.band, per.previous, per.running, per.year, per.term


@pytest.mark.parametrize("on", DAYS)
def test_period_counts_agree_with_counting_every_mark(demo: Engine, on: dt.date) -> None:
    now = dt.datetime.combine(on, dt.time(16))
    clock_at(demo, now)
    bounds = alerts_reads.segment_bounds(spans(demo, on, now), on)
    marks = every_mark(demo)
    with session_scope(demo) as s:
        totals, _last = alerts_reads.segment_totals(s, None, on, bounds, on, set())
        _recent, _picked, others = alerts_reads.recent_and_picked(
            s, None, bounds[0], on, on, (), set(), bounds)
    counts = alerts_reads.period_counts(totals, others, bounds)
    assert len(counts) > 30  # the pupils on roll
    # every range of whole segments (the spans' counts are some of them)
    for first, last in combinations(range(len(bounds)), 2):
        start, end = bounds[first], bounds[last] - dt.timedelta(days=1)
        for pid, pc in counts.items():
            mine = marks.get(pid, [])
            assert pc.counts(start, end) == escalation.counts_of(mine, start, end), (
                pid, start, end)
            assert pc.illness(start, end) == sum(
                1 for d, _s, c in mine if start <= d <= end and c == "I")


@pytest.mark.parametrize("on", DAYS)
def test_snapshot_figures_agree_with_counting_every_mark(demo: Engine, on: dt.date) -> None:
    now = dt.datetime.combine(on, dt.time(16))
    clock_at(demo, now)
    band, previous, running, year, _term = spans(demo, on, now)
    marks = every_mark(demo)

    def pct(mine: list[tuple[dt.date, str, str]], sp: Span | None) -> float | None:
        if sp is None:
            return None
        got = escalation.counts_of(mine, sp.start, min(sp.end, on)).attendance_pct()
        return None if got is None else round(got, 1)

    for p in alerts_service.snapshot(demo, on).pupils:
        mine = marks.get(p.pupil_id, [])
        assert year is not None
        assert p.year_counts == escalation.counts_of(mine, year.start, on)
        assert p.period_pct == pct(mine, band)
        assert p.previous_pct == pct(mine, previous)
        assert p.running_pct == pct(mine, running)


@pytest.mark.parametrize("on", DAYS)
def test_recent_and_picked_marks_agree_with_a_plain_read(demo: Engine, on: dt.date) -> None:
    marks = every_mark(demo)
    cal = calendar_service.load_calendar(demo)
    start, recent_start = on - dt.timedelta(days=300), on - dt.timedelta(days=30)
    closed = {(d, s) for d in cal.closures for s in ("AM", "PM") if not cal.is_open(d, s)}
    wanted = {"L", "U", "G", "N", "O"}
    bounds = [on - dt.timedelta(days=200), on - dt.timedelta(days=50), on + dt.timedelta(1)]
    with session_scope(demo) as s:
        fast = alerts_reads.recent_and_picked(s, None, start, recent_start, on, wanted, closed,
                                              bounds)
        ids = [i for i in s.execute(select(Pupil.id)).scalars()]
        plain = alerts_reads.recent_and_picked(s, ids, start, recent_start, on, wanted, closed,
                                               bounds)
        totals, last = alerts_reads.segment_totals(s, None, on, bounds, recent_start, closed)
    assert fast == plain  # the driver's rows and SQLAlchemy's, sorted alike
    recent, picked, others = fast
    assert set(totals) >= set(last)
    for pid, mine in marks.items():
        mine = sorted(mine)
        kept = [m for m in mine if recent_start <= m[0] <= on and (m[0], m[1]) not in closed]
        assert sorted(recent.get(pid, [])) == [
            m for m in kept if m[2] not in alerts_reads.ON_TIME]
        if pid in totals:
            assert last.get(pid) == max(
                (d for d, _s, c in kept if c in alerts_reads.ON_TIME), default=None)
        assert sorted(picked.get(pid, [])) == [
            m for m in mine if start <= m[0] <= on and m[2] in wanted]
        for segment in range(len(bounds) - 1):
            for code in {c for _d, _s, c in mine} - alerts_reads.ON_TIME:
                assert others.get((pid, segment, code), 0) == sum(
                    1 for d, _s, c in mine
                    if bounds[segment] <= d < bounds[segment + 1] and c == code)


@pytest.mark.parametrize("on", DAYS[:3])
def test_whole_school_and_asked_pupils_agree(demo: Engine, on: dt.date) -> None:
    """The whole school read straight from the driver; some pupils through SQLAlchemy."""
    for now in (dt.datetime.combine(on, dt.time(9)), dt.datetime.combine(on, dt.time(16))):
        clock_at(demo, now)
        whole = alerts_service.snapshot(demo, on)
        flagged = [p for p in whole.pupils if p.flags]
        assert on != TODAY or flagged  # the edge cases raise flags on the last day
        asked = [p.pupil_id for p in whole.pupils[::3]] + [p.pupil_id for p in flagged]
        some = alerts_service.snapshot(demo, on, asked)
        assert {p.pupil_id for p in some.pupils} == set(asked)
        for p in some.pupils:
            assert p == whole.find(p.pupil_id)


def test_flags_one_pass_grouping_matches_open_marks_by_day() -> None:
    rng = random.Random(16)
    on = dt.date(2026, 3, 20)
    shut = {(on - dt.timedelta(days=3), "PM"), (on - dt.timedelta(days=9), "AM")}
    for _ in range(300):
        marks = [(on + dt.timedelta(days=rng.randint(-20, 3)), rng.choice(("AM", "PM")),
                  rng.choice(("/", "\\", "#", "O", "I", "C", "J1", "S", "G", "L")))
                 for _ in range(rng.randint(0, 40))]
        for is_open in (None, lambda d, s: (d, s) not in shut):
            kept, closed = escalation.open_marks((m for m in marks if m[0] <= on), is_open)
            leave = max((d for d, _s, c in kept if c in escalation.LEAVE_CODES), default=None)
            assert escalation._open_days(marks, on, is_open) == (
                escalation.by_day(kept), closed, leave)


def test_runs_from_the_last_on_time_day_equal_runs_from_every_mark(
        engine: Engine, school_year: calendar_service.YearInfo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The run rules see a pupil's on-time marks only through the last day holding one;
    against reading every mark of the recent window (as before), on random runs of absence,
    illness, leave and attendance, unmarked days and a closed afternoon."""
    from tests.services.tracker_data import add_pupil, school_days

    rng = random.Random(1616)
    on = dt.date(2025, 12, 12)
    clock_at(engine, dt.datetime(2025, 10, 1, 8, 0))
    calendar_service.add_closure(engine, HEAD, dt.date(2025, 12, 3), "PM",
                                 description="Planned closed afternoon")
    days = school_days(engine, dt.date(2025, 10, 6), on)
    cells: list[tuple[int, dt.date, str, str, int | None, str]] = []
    for k in range(36):
        pid = add_pupil(engine, f"Run{k}", "Example", f"A2000000001{k:02d}")
        i = 0
        while i < len(days):
            length = rng.randint(1, 25)
            kind = rng.choice(("attend", "attend", "O", "G", "N", "U", "I", "C", "M", "mixed",
                               "gap", "O|G|N"))
            for d in days[i:i + length]:
                if kind == "gap":
                    continue
                for session in ("AM", "PM"):
                    if (d, session) == (dt.date(2025, 12, 3), "PM"):
                        continue  # closed
                    if kind == "attend":
                        code = "/" if session == "AM" else "\\"
                    elif kind == "mixed":
                        code = rng.choice(("/", "L", "O", "I"))
                    else:
                        code = rng.choice(kind.split("|"))
                    cells.append((pid, d, session, code, 5 if code == "L" else None,
                                  "reason given" if code in ("C", "M") else ""))
            i += length
    cells = [c for c in cells if c[1] <= on - dt.timedelta(days=rng.choice((0, 0, 1, 3)))
             or c[0] % 4]  # some pupils' last days not marked yet
    # and by hand: a run ended by one day attended, the days after it not marked yet;
    # the same with half that day absent; leave, one day back, then absent
    for k, (last_am, last_pm) in enumerate((("/", "\\"), ("/", "O"))):
        pid = add_pupil(engine, f"Tail{k}", "Example", f"A3000000001{k:02d}")
        cells += [(pid, d, ss, "O", None, "") for d in days[-24:-3] for ss in ("AM", "PM")]
        cells += [(pid, days[-3], "AM", last_am, None, ""),
                  (pid, days[-3], "PM", last_pm, None, "")]
    pid = add_pupil(engine, "Back", "Example", "A300000000199")
    cells += [(pid, d, ss, "C", None, "reason given") for d in days[-30:-16]
              for ss in ("AM", "PM")]
    cells += [(pid, days[-16], "AM", "/", None, "")]
    cells += [(pid, d, ss, "G", None, "") for d in days[-15:] for ss in ("AM", "PM")]
    cells = [c for c in cells if (c[1], c[2]) != (dt.date(2025, 12, 3), "PM")]  # closed
    put_marks(engine, HEAD, cells)  # type: ignore[arg-type]

    real_recent, real_totals = alerts_reads.recent_and_picked, alerts_reads.segment_totals

    def every_recent_mark(s, ids, start, recent_start, on, wanted, closed, bounds):  # type: ignore[no-untyped-def]
        _r, picked, others = real_recent(s, ids, start, recent_start, on, wanted, closed,
                                         bounds)
        return (alerts_reads.some_marks(s, ids, recent_start, on, closed=closed), picked,
                others)

    def no_last_day(*args):  # type: ignore[no-untyped-def]
        return real_totals(*args)[0], {}

    seen: set[str] = set()
    for day in (on, on - dt.timedelta(days=1), dt.date(2025, 12, 3), dt.date(2025, 11, 21)):
        for hour in (9, 16):
            clock_at(engine, dt.datetime.combine(day, dt.time(hour)))
            now = alerts_service.snapshot(engine, day).pupils
            with monkeypatch.context() as m:
                m.setattr(alerts_reads, "recent_and_picked", every_recent_mark)
                m.setattr(alerts_reads, "segment_totals", no_last_day)
                before = alerts_service.snapshot(engine, day).pupils
            assert now == before, day
            seen |= {f.name for p in now for f in p.flags}
    # the default policy's run flags, all raised somewhere
    assert {"missing_20_days", "absent_10_days", "illness_15_days",
            "not_back_after_leave"} <= seen
