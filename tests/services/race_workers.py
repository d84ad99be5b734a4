"""Writers for the race test, run in separate processes (spawned: each opens its own
engine on the same database, as a second PC or the kiosk would)."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from attendance_desktop.db.engine import make_engine
from attendance_desktop.domain.policy import DEFAULT_KIOSK_REASONS
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.errors import DatabaseBusy, MarkConflict
from attendance_desktop.services.interchange import mark_import
from attendance_desktop.services.kiosk import kiosk_service
from attendance_desktop.services.register import mark_reads, register_service
from attendance_desktop.services.register.register_service import MarkChange

DAY = dt.date(2025, 11, 20)  # a Thursday in term
NOW = dt.datetime(2025, 11, 20, 8, 40)  # before any register opens or closes
OFFICE = Actor("Race Office", Role.OFFICE)
REASON = DEFAULT_KIOSK_REASONS[0][0]


def _codes(session: str) -> list[str]:
    return ["/" if session == "AM" else "\\", "N", "I", "M", "O"]


def _all_ready(barrier: Path, seed: int, racers: int) -> None:
    """Wait until every racer has started (imports done, engine made): they then write at
    the same moment rather than one after another as their processes happen to start."""
    (barrier / f"ready-{seed}").touch()
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("ready-*"))) < racers:
        if time.monotonic() > deadline:
            raise TimeoutError("the other racers never started")
        time.sleep(0.002)


def run(url: str, kind: str, pupils: list[tuple[int, str]], writes: int, seed: int,
        barrier: str, racers: int) -> dict[str, object]:
    """Do `writes` writes of one kind once all `racers` are ready; return each acknowledged
    write per cell."""
    engine = make_engine(url)
    bind_clock(engine, FixedClock(NOW))
    with engine.connect():  # the first connection is made before the start, not in it
        pass
    _all_ready(Path(barrier), seed, racers)
    rng = random.Random(seed)
    acked: dict[str, int] = {}
    conflicts = busy = 0
    days = [DAY, DAY + dt.timedelta(days=1)]
    files = tempfile.TemporaryDirectory(prefix="race-")  # the import racer's one-row files
    tmp = Path(files.name)
    try:
        for i in range(writes):
            pid, upn = rng.choice(pupils)
            day, session = rng.choice(days), rng.choice(("AM", "PM"))
            key = f"{pid}|{day.isoformat()}|{session}"
            code = rng.choice(_codes(session))
            try:
                if kind == "grid":
                    seen = mark_reads.read_cell(engine, pid, day, session).code
                    done = register_service.apply_changes(
                        engine, OFFICE, [MarkChange(pid, day, session, code, seen_code=seen)])
                    written = done.written
                elif kind == "kiosk":
                    result = kiosk_service.sign_in(engine, pid, REASON, "Parent")
                    key = f"{pid}|{DAY.isoformat()}|AM"
                    written = int(result.outcome == "signed_in")
                else:  # a one-row file through the whole import
                    f = tmp / f"m{i}.csv"
                    f.write_text(f"upn,date,session,code,minutes_late,comment\n"
                                 f"{upn},{day.isoformat()},{session},{code},,\n")
                    result = mark_import.import_marks(engine, f, OFFICE)
                    written = result.new + result.changed
            except MarkConflict:
                conflicts += 1
                continue
            except DatabaseBusy:
                busy += 1
                continue
            if written:
                acked[key] = acked.get(key, 0) + written
    finally:
        engine.dispose()
        files.cleanup()
    return {"acked": acked, "conflicts": conflicts, "busy": busy}
