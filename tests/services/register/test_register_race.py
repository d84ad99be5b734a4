"""Several real processes write the same cells through the grid, kiosk and import paths.

Afterwards, for every cell: the amendments in order form a chain (each one's original is
the previous one's new; the last one's new is the mark on record), and every acknowledged
write is there (a cell's acknowledged writes = its first entry + its amendments)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.domain.upn import with_check_letter
from tests import forked
from tests.services import race_workers

pytestmark = pytest.mark.slow  # runs first in a parallel run (tests/conftest.py)

WORKERS = (("grid", 300), ("grid", 300), ("kiosk", 120), ("import", 150))
# A PostgreSQL write costs the writer ~3x the CPU of an SQLite one, and its writers overlap
# more (SQLite serialises them on one lock), so half as many still collide plenty (~10
# refused stale writes a run): with lock_pupils (write_lock.py) disabled, every run we
# tried failed (two writers inserting one cell, a broken chain, or no refusal at all).
PG_WORKERS = tuple((kind, n // 2) for kind, n in WORKERS)


def _pupils(engine: Engine, n: int = 6) -> list[tuple[int, str]]:
    out = []
    with session_scope(engine) as s:
        for i in range(n):
            upn = with_check_letter(f"88888888{i:04d}")
            p = Pupil(legal_forename=f"Racer{i}", legal_surname="Test", dob=dt.date(2017, 3, 1),
                      year_group="3", admission_date=dt.date(2024, 9, 1), upn=upn)
            s.add(p)
            s.flush()
            out.append((int(p.id), upn))  # type: ignore[arg-type]
    return out


def run_race(engine: Engine, url: str, barrier: Path,
             workers: tuple[tuple[str, int], ...] = WORKERS) -> Counter[str]:
    pupils = _pupils(engine)
    barrier.mkdir()
    # The racers are forked from one server process that imported the app once (~1 s of
    # CPU) instead of each importing it again (4 x ~1 s a race); each is still a process
    # of its own that opens its own engine, and they all start writing together.
    ctx = forked.context()
    with ctx.Pool(len(workers)) as pool:
        results = pool.starmap(race_workers.run, [
            (url, kind, pupils, n, seed, str(barrier), len(workers))
            for seed, (kind, n) in enumerate(workers)])
    acked: Counter[str] = Counter()
    for r in results:
        acked.update(r["acked"])  # type: ignore[arg-type]
        assert r["busy"] == 0, "a writer waited longer than the busy timeout"
    assert sum(r["conflicts"] for r in results) > 0, "the race never collided"  # type: ignore[misc]
    with engine.connect() as conn:
        marks = {f"{p}|{d}|{s}": c for p, d, s, c in conn.execute(text(
            "SELECT pupil_id, date, session, code FROM mark"))}
        history: dict[str, list[tuple[str, str]]] = {}
        for p, d, s, old, new in conn.execute(text(
                "SELECT pupil_id, date, session, old_code, new_code FROM markamendment"
                " ORDER BY id")):
            history.setdefault(f"{p}|{d}|{s}", []).append((old, new))
    assert marks, "nothing was written"
    for key in set(marks) | set(history):
        chain = history.get(key, [])
        for before, after in itertools.pairwise(chain):
            assert after[0] == before[1], f"{key}: broken chain {chain}"
        if chain:
            assert chain[-1][1] == marks.get(key, ""), f"{key}: last amendment is not the mark"
            assert chain[0][0] != "", f"{key}: the first entry was not kept"
        # every acknowledged write is on record: the first entry, then one per amendment
        assert acked[key] == len(chain) + (1 if key in marks else 0), (key, acked[key], chain)
    # The tamper-evident chains survived the race: no fork, every write in the ledger.
    from attendance_desktop.services.register import integrity_service
    checked = integrity_service.check(engine, record=False)
    assert checked.ok, checked.problems
    assert checked.records >= sum(acked.values())
    return acked


def test_four_processes_on_one_sqlite_file_lose_nothing(engine: Engine, school_year,
                                                        tmp_path: Path) -> None:
    acked = run_race(engine, engine.url.render_as_string(hide_password=False),
                     tmp_path / "ready")
    assert sum(acked.values()) > 100


@pytest.mark.skipif(not __import__("tests.db.pg_server", fromlist=["x"]).server_binaries(),
                    reason="PostgreSQL server binaries are not installed")
def test_four_processes_on_postgresql_lose_nothing(tmp_path, pg_base) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.config.paths import resolve_paths
    from attendance_desktop.domain.calendar import default_term_dates
    from attendance_desktop.services.database import open_database
    from attendance_desktop.services.school import calendar_service
    from tests.conftest import HEAD
    from tests.db.pg_fixtures import new_database

    url = new_database(pg_base, "race")  # on the run's test server
    engine = open_database(resolve_paths(tmp_path, url, environ={}))
    calendar_service.create_academic_year(engine, HEAD, default_term_dates(2025))
    try:
        acked = run_race(engine, url, tmp_path / "ready", PG_WORKERS)
        assert sum(acked.values()) > 100
    finally:
        engine.dispose()
