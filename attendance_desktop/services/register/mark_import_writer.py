"""Writing a big mark import while holding the write lock as briefly as possible (SQLite).

An import of a year or more of marks (1M rows) used to do all its work inside the write
lock: reading the cells, checking every change, building the rows, hashing the ledger,
then two executemany statements from Python. A kiosk sign-in waited all that time. Here
everything that can be done before the lock is done before it, on the one connection that
will later write:

1. prepare (no lock; one read snapshot): the batch is decided by the register path's own
   checks (register_service.decide_batch, exactly what apply_changes would decide), the ledger
   rows get their canonical forms and are chained after the ledger's tail as seen, and
   the rows are staged in TEMP tables of this connection (its own temporary database:
   writing there takes no lock on the register file).
2. write (the lock, one transaction): check nothing the batch was decided from has
   moved: the ledger tail seen is still there, no cell of the batch was written since
   (every mark write leaves a ledger row), and the pupils' roll dates, the policy and the
   calendar are as they were. Then INSERT ... SELECT from the TEMP tables (in SQLite's C
   code, in the order of the date index), the ledger rows with their hashes taken from
   one blob of the chain, the few changed cells and their amendments through the
   register path's own writer, and the caller's records. If other writers added ledger
   rows meanwhile (a kiosk sign-in for another cell), the chain is hashed again from the
   prepared canonical forms, inside the lock (about half a second per million rows). If
   anything else moved, the batch is decided again the ordinary way, inside the lock
   (correct, only slower), and a cell changed meanwhile is a MarkConflict as before.

All or nothing: the write is one transaction; the TEMP tables are dropped either way.
The chain format, the rows and the checks are those of the register path (the ledger it
writes verifies with integrity_service exactly like any other).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from attendance_desktop.db import chains
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.register import mark_rules, register_facts
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.write_lock import write_scope

R = TypeVar("R")
log = logging.getLogger(__name__)
_COLS = [c for c, _ in chains.MARK.fields]  # == register_service._MARK_COLS
_STAGE = "import_w"
# Per connection, while an import runs: index pages of a big insert stay in memory.
IMPORT_CACHE_KIB = 256 * 1024


@dataclass
class Prepared:
    batch: rs.Batch
    tail_id: int  # the ledger's last row when the batch was decided (0: empty ledger)
    tail_hash: str
    links: list[bytes]  # "\n" + canonical form of each ledger row, in order
    chain: bytes  # the head then each row's hash, 64 ASCII bytes each
    chained_after: int  # the ledger row `chain` starts from (0: the genesis)


def usable(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _tail(conn: Connection) -> tuple[int, str]:
    row = conn.exec_driver_sql(
        "SELECT id, hash FROM markledger ORDER BY id DESC LIMIT 1").first()
    return (int(row[0]), str(row[1])) if row else (0, "")


def _chain(head: str, links: list[bytes]) -> bytes:
    sha = hashlib.sha256
    prev = head.encode()
    parts = [prev]
    for link in links:
        prev = sha(prev + link).hexdigest().encode()
        parts.append(prev)
    return b"".join(parts)


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
        head = tail_hash or chains.head(conn, chains.MARK)
        inserted = {id(w) for w in batch.inserts}  # their ledger rows are these tuples
        rows = []
        links = []
        for seq, (w, (values, canon)) in enumerate(
                zip(batch.writes, chains.mark_forms(batch.writes), strict=True), start=1):
            rows.append((seq, 1 if id(w) in inserted else 0, *values))
            links.append(("\n" + canon).encode())
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {_STAGE} (seq INTEGER PRIMARY KEY, ins INTEGER,"
            f" {', '.join(_COLS)})")
        if rows:  # (every cell may already hold the file's mark by now)
            conn.exec_driver_sql(
                f"INSERT INTO temp.{_STAGE} VALUES ({', '.join('?' * (len(_COLS) + 2))})",
                rows)
        prepared = Prepared(batch, tail_id, tail_hash, links, _chain(head, links), tail_id)
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
    written = {(pid, str(day)[:10], ss) for pid, day, ss in conn.exec_driver_sql(
        "SELECT pupil_id, date, session FROM markledger WHERE id > ?", (p.tail_id,))}
    if written and any((k[0], k[1].isoformat(), k[2]) in written for k in p.batch.keys):
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
    first in it (moving admission dates), `after` last (the import's own record)."""
    if p is not None:
        # Others' writes since the rows were prepared: chain after them now, before the
        # lock, so only writes in the next moment need hashing inside it.
        tail_id, tail_hash = _tail(conn)
        conn.commit()
        if tail_id != p.chained_after:
            p.chain, p.chained_after = _chain(tail_hash, p.links), tail_id
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
        tail_id, tail_hash = _tail(conn)
        chain = p.chain
        if tail_id != p.chained_after:  # others wrote other cells meanwhile
            chain = _chain(tail_hash, p.links)
        t1 = time.perf_counter()
        cols = ", ".join(_COLS)
        conn.exec_driver_sql(
            f"INSERT INTO mark ({cols}) SELECT {cols} FROM temp.{_STAGE} WHERE ins = 1"
            " ORDER BY date, session, pupil_id")
        t2 = time.perf_counter()
        conn.exec_driver_sql(
            f"INSERT INTO markledger ({cols}, prev_hash, hash) SELECT {cols},"
            " CAST(substr(?, seq * 64 - 63, 64) AS TEXT),"
            " CAST(substr(?, seq * 64 + 1, 64) AS TEXT)"
            f" FROM temp.{_STAGE} ORDER BY seq", (chain, chain))
        t3 = time.perf_counter()
        done = rs.write_mark_batch(s, p.batch, inserts=False, ledger=False)
        result = after(s, done)
        log.info("mark import inside the write lock: checks and chain %.2f s, marks %.2f s,"
                 " ledger %.2f s, the rest %.2f s before the commit", t1 - t0, t2 - t1,
                 t3 - t2, time.perf_counter() - t3)
        return result


@contextmanager
def staging(engine: Engine) -> Iterator[Connection]:
    """The one connection an import prepares and writes on; its TEMP rows are dropped and
    its page cache put back afterwards, whatever happens."""
    with engine.connect() as conn:
        old_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(old_cache or -2000)}")
            conn.commit()
