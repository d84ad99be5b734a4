"""The register's rows as the database gets them: one executemany INSERT per batch of
marks (dates converted once per distinct value), the ledger rows and chain links noted for
the commit, and the demo's synthetic history. Only register_service (the one mark writer)
and the demo's history call these, inside the write lock."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert as sa_insert
from sqlmodel import Session, select

from attendance_desktop.db import chains
from attendance_desktop.db.models import Mark, MarkAmendment
from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import CodeError
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import live_revision
from attendance_desktop.services.write_lock import holds_write_lock


def bulk_insert(s: Session, table: Any, rows: list[dict[str, object]]) -> None:
    """One executemany INSERT of dict rows (see bulk_insert_rows)."""
    if rows:
        cols = list(rows[0])
        bulk_insert_rows(s, table, cols, [tuple(r[c] for c in cols) for r in rows])


def bind_processor(dialect: Any, table: Any, column: str) -> Any:
    """SQLAlchemy's own conversion of a value of `column` for the driver (None: as is)."""
    return table.c[column].type.dialect_impl(dialect).bind_processor(dialect)


def bulk_insert_rows(s: Session, table: Any, cols: list[str],
                      rows: list[tuple[Any, ...]], stored: bool = False) -> None:
    """One executemany INSERT of tuples in `cols` order. On SQLite the few columns that
    need converting (dates, times) are converted once per distinct value with SQLAlchemy's
    own bind processors and the rows handed straight to the driver, skipping SQLAlchemy's
    per-row work while storing exactly what it would store. `stored`: the rows hold
    those converted values already (SQLite only)."""
    if not rows:
        return
    conn = s.connection()
    dialect = conn.dialect
    if stored and dialect.paramstyle == "qmark":
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(cols)}) "
                             f"VALUES ({', '.join('?' for _ in cols)})", rows)
        return
    if dialect.paramstyle != "qmark":
        conn.execute(sa_insert(table), [dict(zip(cols, r, strict=True)) for r in rows])
        return
    # The dialect's own type (SQLite's DATE/DATETIME): its processor writes the text
    # SQLAlchemy stores everywhere, and sqlite3's deprecated default adapters (Python
    # 3.12+) are never used.
    procs = [(k, proc) for k, c in enumerate(cols)
             if (proc := bind_processor(dialect, table, c)) is not None]
    if procs:
        caches: list[dict[Any, Any]] = [{} for _ in procs]
        out = []
        for r in rows:
            row = list(r)
            for (k, proc), cache in zip(procs, caches, strict=True):
                v = row[k]
                if v is not None:
                    got = cache.get(v)
                    if got is None:
                        got = cache[v] = proc(v)
                    row[k] = got
            out.append(tuple(row))
        rows = out
    sql = (f"INSERT INTO {table.name} ({', '.join(cols)}) "
           f"VALUES ({', '.join('?' for _ in cols)})")
    conn.exec_driver_sql(sql, rows)


MARK_COLS = ["pupil_id", "date", "session", "code", "minutes_late", "comment", "source",
              "entered_by", "entered_role", "entered_at"]


def seed_history(s: Session, marks: list[dict[str, object]],
                 amendments: list[dict[str, object]]) -> int:
    """The demo's synthetic history, written by the same bulk writer with the times the
    story gives them. Only into a register that has no marks at all (the demo refuses
    otherwise), so no real entry can be touched, and every code is checked on its date."""
    if not holds_write_lock(s):
        raise ServiceError("internal: marks must be written inside write_lock.write_scope")
    if s.exec(select(Mark.id).limit(1)).first() is not None:
        raise ServiceError("the synthetic history can only go into an empty register")
    checked: set[tuple[object, object]] = set()
    for row in marks:
        pair = (row["code"], row["date"])
        if pair not in checked:
            try:
                codes.validate(str(row["code"]), row["date"])  # type: ignore[arg-type]
            except CodeError as exc:
                raise ServiceError(str(exc)) from None
            checked.add(pair)
    bulk_insert(s, Mark.__table__, marks)  # type: ignore[attr-defined]
    write_chained(s, [tuple(r[c] for c in MARK_COLS) for r in marks], amendments)
    live_revision.mark_changed(s)
    return len(marks)


def write_chained(s: Session, writes: list[tuple[Any, ...]],
                   amendments: list[dict[str, object]]) -> None:
    """The amendments (with ids known up front), and the ledger rows and chain links for
    this batch noted for the commit, where db/chains.py hashes each in one pass and sends
    one executemany each, in the same transaction."""
    chains.defer_marks(s, writes)
    if amendments:
        chains.assign_ids(s.connection(), "markamendment", amendments)
        bulk_insert(s, MarkAmendment.__table__, amendments)  # type: ignore[attr-defined]
        chains.defer_links(s, chains.KINDS["markamendment"], amendments)
