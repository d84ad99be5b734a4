"""Writing a big mark import while holding the write lock as briefly as possible (SQLite).

An import of a year or more of marks (1M rows) used to do all its work inside the write
lock: reading the cells, checking every change, building the rows, hashing the ledger,
then two executemany statements from Python. A kiosk sign-in waited all that time. Here
everything that can be done before the lock is done before it, on the one connection that
will later write:

1. prepare (no lock; one read snapshot): the batch is decided by the register path's own
   checks (register_service.decide_batch, exactly what apply_changes would decide), every
   write gets its canonical form, packed into the ONE ledger entry the import writes (db/
   chains.py "batches": the forms compressed, and their digest), and the rows are staged
   in a TEMP table of this connection (its own temporary database: writing there takes no
   lock on the register file). The rows are staged sorted by week, then pupil, date and
   session: both indexes the insert maintains (the cell's unique key, pupil first, and the
   covering date index) then grow in short runs instead of one row here and one there,
   which measured about a third less work in the lock than date order and needs no sort
   there.
2. write (the lock, one transaction): check nothing the batch was decided from has
   moved: the ledger tail seen is still there, no cell of the batch was written since
   (every mark write leaves a ledger row), and the pupils' roll dates, the policy and the
   calendar are as they were. Then INSERT ... SELECT from the TEMP table (in SQLite's C
   code, in the staged order), the batch's ledger entry chained after the ledger's tail
   as it is now (one hash: other writers' rows for other cells meanwhile cost nothing),
   the few changed cells and their amendments through the register path's own writer,
   and the caller's records. If anything moved, the batch is decided again the ordinary
   way, inside the lock (correct, only slower: one ledger row per write), and a cell
   changed meanwhile is a MarkConflict as before.

The write transaction runs with SQLite's foreign-key checks off on this connection (they
cost a pupil lookup per mark; the transaction checks the pupils itself, see write()).
All or nothing: the write is one transaction; the TEMP tables are dropped either way.
The import's connection does not checkpoint the WAL when it commits (SQLite would copy the
import's pages into the database file inside the COMMIT call); it checkpoints right after,
PASSIVE, with the write lock already released, so a kiosk writes meanwhile and no other
writer's commit is left to copy the import's pages. Its page cache is made big enough for
the batch's pages, so none are spilled to the WAL twice.
The rows and the checks are those of the register path; the ledger entry is the chain's
batch form, which integrity_service unpacks and verifies write by write.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from attendance_desktop.db import chains
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.register import mark_rules, register_facts
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.write_lock import write_scope

R = TypeVar("R")
log = logging.getLogger(__name__)
_COLS = [c for c, _ in chains.MARK.fields]  # == mark_rows.MARK_COLS
_STAGE = "import_w"
# Per connection, while an import runs: every page a big insert dirties stays in memory
# (about 400 bytes a row across the mark table, its two indexes and the ledger).
IMPORT_CACHE_KIB = 256 * 1024
STAGE_CACHE_KIB = 64 * 1024
MAX_CACHE_KIB = 1024 * 1024
CACHE_BYTES_PER_ROW = 640


@dataclass
class Prepared:
    batch: rs.Batch
    tail_id: int  # the ledger's last row when the batch was decided (0: empty ledger)
    tail_hash: str
    entry: tuple[Any, ...]  # the batch ledger row's own fields (MARK.fields order)
    entry_canon: str  # their canonical form
    packed: bytes  # every write's canonical form, one per line, compressed
    digest: str  # SHA-256 of those lines


def usable(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _tail(conn: Connection) -> tuple[int, str]:
    row = conn.exec_driver_sql(
        "SELECT id, hash FROM markledger ORDER BY id DESC LIMIT 1").first()
    return (int(row[0]), str(row[1])) if row else (0, "")


def _index_friendly() -> Callable[[tuple[int, tuple[Any, ...], str]], tuple[Any, ...]]:
    """Sort key of a staged row: (week, pupil, date, session). Dates are the text SQLite
    stores ('YYYY-MM-DD'); each distinct date's week is worked out once."""
    weeks: dict[str, int] = {}

    def key(form: tuple[int, tuple[Any, ...], str]) -> tuple[Any, ...]:
        values = form[1]
        day = values[1]
        week = weeks.get(day)
        if week is None:
            week = weeks[day] = dt.date.fromisoformat(str(day)[:10]).toordinal() // 7
        return (week, values[0], day, values[2])

    return key


def _entry(first: Sequence[Any], writes: int) -> tuple[tuple[Any, ...], str]:
    """The batch ledger row's own fields: who imported and when (as its writes say), on
    that day, for no one cell (pupil 0, no session); the comment says how many writes."""
    by, role, at = first[7], first[8], first[9]
    day = at.date() if isinstance(at, dt.datetime) else dt.date.fromisoformat(str(at)[:10])
    ((values, canon),) = chains.mark_forms([(0, day, "", "", None,
                                             f"import of {writes} mark writes", "import", by,
                                             role, at)])
    return values, canon


def prepare(conn: Connection, actor: Actor, changes: Sequence[rs.MarkChange], reason: str,
            admitted_from: dict[int, Any]) -> Prepared | None:
    """Decide and stage the batch without the write lock (None: nothing to write)."""
    conn.exec_driver_sql("BEGIN")  # one read snapshot for everything decided from
    s = Session(bind=conn)
    try:
        tail_id, tail_hash = _tail(conn)
        batch = rs.decide_batch(s, actor, changes, "import", reason, False, admitted_from)
        if batch is None:
            conn.commit()
            return None
        inserted = {id(w) for w in batch.inserts}  # their ledger rows are these tuples
        forms = [(1 if id(w) in inserted else 0, values, canon) for w, (values, canon)
                 in zip(batch.writes, chains.mark_forms(batch.writes), strict=True)]
        forms.sort(key=_index_friendly())  # stable: a cell's writes keep their order
        rows = [(seq, ins, *values) for seq, (ins, values, _) in enumerate(forms, start=1)]
        packed, digest = chains.pack_batch([canon for _, _, canon in forms])
        del forms
        entry, entry_canon = _entry(batch.writes[0], len(batch.writes)) if batch.writes \
            else ((), "")
        cache_kib = min(MAX_CACHE_KIB, max(IMPORT_CACHE_KIB,
                                           len(rows) * CACHE_BYTES_PER_ROW // 1024))
        conn.exec_driver_sql(f"PRAGMA main.cache_size = -{cache_kib}")
        # The staged rows stay in memory too (the TEMP database's own cache is 2 MB: the
        # copy inside the lock would read them back from a temporary file, twice).
        conn.exec_driver_sql(
            f"PRAGMA temp.cache_size = -{max(STAGE_CACHE_KIB, len(rows) * 256 // 1024)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {_STAGE} (seq INTEGER PRIMARY KEY, ins INTEGER,"
            f" {', '.join(_COLS)})")
        if rows:  # (every cell may already hold the file's mark by now)
            conn.exec_driver_sql(
                f"INSERT INTO temp.{_STAGE} VALUES ({', '.join('?' * (len(_COLS) + 2))})",
                rows)
        prepared = Prepared(batch, tail_id, tail_hash, entry, entry_canon, packed, digest)
        conn.commit()  # only the TEMP table was written
        return prepared
    except BaseException:
        conn.rollback()
        raise
    finally:
        s.close()


def _moved(s: Session, p: Prepared) -> str:
    """Inside the lock: what moved since the batch was decided ('' when nothing did)."""
    conn = s.connection()
    if p.tail_id:
        got = conn.exec_driver_sql("SELECT hash FROM markledger WHERE id = ?",
                                   (p.tail_id,)).scalar()
        if got != p.tail_hash:
            return "the ledger is not the one seen (a restored file?)"
    # The few rows others wrote meanwhile, looked up in the batch (never the other way).
    keys = p.batch.keys
    for pid, day, ss, batch in conn.exec_driver_sql(
            "SELECT pupil_id, date, session, batch IS NOT NULL FROM markledger WHERE id > ?",
            (p.tail_id,)):
        if batch:
            return "another import was written meanwhile"
        if (pid, dt.date.fromisoformat(str(day)[:10]), ss) in keys:
            return "a cell of the import was written meanwhile"
    policy, calendar = register_facts.facts_in(s)
    if policy != p.batch.policy:
        return "the policy changed"
    if (calendar.half_terms, calendar.closures) != (p.batch.calendar.half_terms,
                                                    p.batch.calendar.closures):
        return "the calendar changed"
    if mark_rules.pupil_facts(s, set(p.batch.facts)) != p.batch.facts:
        return "a pupil's roll dates changed"
    return ""


def write(conn: Connection, p: Prepared | None, actor: Actor, changes: Sequence[rs.MarkChange],
          reason: str, before: Callable[[Session], object],
          after: Callable[[Session, rs.BulkResult], R]) -> R:
    """Write a prepared batch in one transaction holding the write lock; `before` runs
    first in it (moving admission dates), `after` last (the import's own record). The WAL
    is checkpointed after the lock is released."""
    wall, cpu = time.perf_counter(), time.thread_time()
    # Foreign keys are not checked by SQLite during this one transaction (a pragma takes
    # effect only between transactions): looking up each of a million marks' pupil in
    # the pupil table was about a quarter of the copy's CPU time. It is safe because the
    # same transaction checks the pupils itself: every pupil of the batch was found when
    # it was decided, and _moved (under the lock) compares the pupils' facts with those
    # read then, so a pupil deleted meanwhile sends the batch to the ordinary path,
    # which, still under the lock, refuses a pupil that is not on the register. No other
    # writer can delete a pupil while this transaction holds the lock.
    fast = p is not None
    if fast:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.commit()  # (ends SQLAlchemy's autobegun transaction: write_scope begins its own)
    try:
        result = _write_locked(conn, p, actor, changes, reason, before, after)
    finally:
        if fast:
            conn.rollback()  # (nothing is open: write_scope committed or rolled back)
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.commit()
    # CPU time of this thread too: on a busy PC the wall time mostly measures the wait
    # for a core, and the CPU time is what a quiet PC would take (plus the disk).
    log.info("mark import: the write transaction took %.2f s (%.2f s of CPU in this"
             " thread)", time.perf_counter() - wall, time.thread_time() - cpu)
    t = time.perf_counter()
    try:  # PASSIVE: never waits for, nor blocks, anyone
        conn.exec_driver_sql("PRAGMA main.wal_checkpoint(PASSIVE)").all()
    except DBAPIError:  # the import is saved; the next commit checkpoints instead
        log.warning("WAL checkpoint after a mark import failed", exc_info=True)
    conn.commit()
    log.info("mark import: WAL checkpoint after the write lock %.2f s",
             time.perf_counter() - t)
    return result


def _write_locked(conn: Connection, p: Prepared | None, actor: Actor,
                  changes: Sequence[rs.MarkChange], reason: str,
                  before: Callable[[Session], object],
                  after: Callable[[Session, rs.BulkResult], R]) -> R:
    with write_scope(conn) as s:
        t0 = time.perf_counter()
        moved = "nothing prepared" if p is None else _moved(s, p)
        if moved:
            log.info("mark import decided again inside the write lock: %s", moved)
            before(s)  # decided again, inside the lock, by the ordinary path
            return after(s, rs.apply_changes(s, actor, changes, source="import",
                                             reason=reason))
        assert p is not None
        before(s)
        t1 = time.perf_counter()
        cols = ", ".join(_COLS)
        conn.exec_driver_sql(
            f"INSERT INTO mark ({cols}) SELECT {cols} FROM temp.{_STAGE} WHERE ins = 1"
            " ORDER BY seq")
        t2 = time.perf_counter()
        if p.entry:  # one ledger row for every write, chained after the tail as it is now
            prev = chains.head(conn, chains.MARK)
            h = chains.link_hash(prev, chains.batch_text(p.entry_canon, p.digest))
            conn.exec_driver_sql(
                f"INSERT INTO markledger ({cols}, prev_hash, hash, batch) VALUES"
                f" ({', '.join('?' * (len(_COLS) + 3))})", (*p.entry, prev, h, p.packed))
        t3 = time.perf_counter()
        done = rs.write_mark_batch(s, p.batch, inserts=False, ledger=False)
        result = after(s, done)
        log.info("mark import inside the write lock: checks %.2f s, marks %.2f s, ledger"
                 " %.2f s, the rest %.2f s before the commit", t1 - t0, t2 - t1, t3 - t2,
                 time.perf_counter() - t3)
        return result


@contextmanager
def staging(engine: Engine) -> Iterator[Connection]:
    """The one connection an import prepares and writes on; its TEMP rows are dropped and
    its page cache and checkpointing put back afterwards, whatever happens."""
    with engine.connect() as conn:
        old_cache = conn.exec_driver_sql("PRAGMA main.cache_size").scalar()
        old_ckpt = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        old_temp = conn.exec_driver_sql("PRAGMA temp.cache_size").scalar()
        old_fk = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        conn.exec_driver_sql(f"PRAGMA main.cache_size = -{IMPORT_CACHE_KIB}")
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint = 0")  # write() checkpoints after
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
            conn.exec_driver_sql(f"PRAGMA main.cache_size = {int(old_cache or -2000)}")
            conn.exec_driver_sql(f"PRAGMA temp.cache_size = {int(old_temp or -2000)}")
            conn.exec_driver_sql(f"PRAGMA foreign_keys = {'ON' if old_fk else 'OFF'}")
            ckpt = 1000 if old_ckpt is None else int(old_ckpt)
            conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {ckpt}")
            conn.commit()
