"""Tamper-evident hash chains, the writing side (issue 13 point 1).

Every record of a chained kind gets a link: SHA-256 over the previous link's hash and a
canonical form of the record's business fields (JSON, sorted keys, dates ISO), written in
the same transaction as the record. Marks are current values changed in place, so their
WRITES are chained instead: one `markledger` row per write, or one per import holding all
of that import's writes (see "batches"). Append-only kinds (amendments,
settings changes, leave decisions, tracker events, ...) get a row in `chainlink`.

Adding a kind is one `register(...)` call below: the table, its id column and the fields
that matter. Rows added through the ORM are noted by a session hook; bulk writers
(register_service) note theirs with `defer_marks` / `defer_links`; everything noted is
linked just before the session commits (see "writing at commit").

Concurrency: SQLite holds one write lock for the whole transaction; on PostgreSQL each
chain's tail is serialised with a transaction-level advisory lock taken before its head is
read, so two writers never fork a chain and link order follows id order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, Table, event, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession

GENESIS_KEY = "chains_started"  # appmeta key: when and over how many records chains began
_CHAIN_LOCK = 73_013  # advisory lock namespace (write_lock uses 73_011 and 73_012)
MARK_KIND = "mark"

# Field types for the canonical form: the same value read back from SQLite (text, 0/1),
# from PostgreSQL (objects) or held in Python hashes the same.
INT, BOOL, DATE, DATETIME, STR = "int", "bool", "date", "datetime", "str"


def norm_value(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if kind == STR:
        return str(v)
    if kind == INT:
        return int(v)
    if kind == BOOL:
        return bool(int(v)) if isinstance(v, str) else bool(v)
    if kind == DATE:
        return v.isoformat() if isinstance(v, dt.date) else str(v)[:10]
    if kind == DATETIME:
        if not isinstance(v, dt.datetime):
            v = dt.datetime.fromisoformat(str(v))
        return v.isoformat(sep=" ", timespec="microseconds")
    raise ValueError(f"unknown field type {kind}")


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def canonicaliser(fields: Sequence[tuple[str, str]]) -> Callable[[Sequence[Any]], str]:
    """A function from field values (in `fields` order) to the canonical form: a JSON array
    of the normalised values in that order. Dates and times are converted once per
    distinct value (a batch of marks shares a handful), so hashing stays cheap at 1M rows."""
    caches: list[dict[Any, Any] | None] = [{} if t in (DATE, DATETIME) else None
                                           for _, t in fields]
    types = [t for _, t in fields]

    def canon(values: Sequence[Any]) -> str:
        out: list[Any] = []
        for v, t, cache in zip(values, types, caches, strict=True):
            if v is None:
                out.append(None)
            elif cache is None:
                plain = (type(v) is str and t == STR) or (type(v) is int and t == INT)
                out.append(v if plain else norm_value(t, v))
            else:
                got = cache.get(v)
                if got is None:
                    got = cache[v] = norm_value(t, v)
                out.append(got)
        return _ENCODE(out)

    return canon


@dataclass(frozen=True, slots=True)
class ChainKind:
    """One chained kind of record: its table and the fields its hash covers (in order)."""

    name: str  # the chain's name, also chainlink.kind
    table: str
    fields: tuple[tuple[str, str], ...]  # (column, type); the order is part of the hash
    label: str  # plain English for reports: "amendment", "settings change"

    @property
    def lock_key(self) -> int:
        return zlib.crc32(self.name.encode()) & 0x7FFFFFFF

    def canonical(self, row: Mapping[str, Any]) -> str:
        return canonicaliser(self.fields)([row[c] for c, _ in self.fields])


def link_hash(prev: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev}\n{canonical}".encode()).hexdigest()


# --- batches: one ledger entry for a whole import ------------------------------------------
# A big import (SQLite) writes ONE ledger row for all its writes instead of one per write:
# its `batch` column holds every write's canonical form, one per line, zlib-compressed, and
# its hash covers the row's own fields and the SHA-256 of those lines. The check unpacks it
# and replays the writes in order, exactly as it replays single rows; changing, adding or
# dropping a write in the blob changes the digest and breaks the link. (Per write, the
# ledger would be ~230 bytes a row: most of an import's time inside the write lock.)
BATCH_LEVEL = 1  # zlib: the lines are very repetitive; level 1 is fast and ~15:1


def pack_batch(forms: Sequence[str]) -> tuple[bytes, str]:
    """The batch column and the digest the link hashes, for canonical forms in order."""
    raw = "\n".join(forms).encode()
    return zlib.compress(raw, BATCH_LEVEL), hashlib.sha256(raw).hexdigest()


def unpack_batch(blob: bytes) -> tuple[str, list[bytes]]:
    """The digest of a batch column's lines, and the lines (each a canonical form)."""
    raw = zlib.decompress(blob)
    return hashlib.sha256(raw).hexdigest(), raw.split(b"\n") if raw else []


def batch_text(canonical: str, digest: str) -> str:
    """What a batch row's link hashes after the previous hash: its own fields, then the
    digest of its writes."""
    return f"{canonical}\nbatch {digest}"


def genesis_hash(kind: str, genesis: str) -> str:
    """The `prev_hash` of a chain's first link: ties the chain to its recorded start."""
    return hashlib.sha256(f"genesis\n{kind}\n{genesis}".encode()).hexdigest()


KINDS: dict[str, ChainKind] = {}  # append-only kinds, linked through chainlink


def register(name: str, table: str, fields: Sequence[tuple[str, str]], label: str) -> None:
    KINDS[name] = ChainKind(name, table, tuple(fields), label)


MARK = ChainKind(MARK_KIND, "markledger", (
    ("pupil_id", INT), ("date", DATE), ("session", STR), ("code", STR),
    ("minutes_late", INT), ("comment", STR), ("source", STR), ("entered_by", STR),
    ("entered_role", STR), ("entered_at", DATETIME)), "mark")
LEDGER_COLS = [c for c, _ in MARK.fields] + ["prev_hash", "hash"]

register("markamendment", "markamendment", (
    ("id", INT), ("pupil_id", INT), ("date", DATE), ("session", STR), ("old_code", STR),
    ("old_minutes_late", INT), ("old_comment", STR), ("new_code", STR),
    ("new_minutes_late", INT), ("new_comment", STR), ("reason", STR), ("after_close", BOOL),
    ("source", STR), ("amended_at", DATETIME), ("staff_name", STR), ("staff_role", STR)),
    "amendment")
register("settingchange", "settingchange", (
    ("id", INT), ("area", STR), ("key", STR), ("old_value", STR), ("new_value", STR),
    ("changed_at", DATETIME), ("staff_name", STR), ("staff_role", STR)), "settings change")
register("leavedecision", "leavedecision", (
    ("id", INT), ("request_id", INT), ("outcome", STR), ("granted_first_date", DATE),
    ("granted_first_session", STR), ("granted_last_date", DATE),
    ("granted_last_session", STR), ("reasons", STR), ("conditions", STR),
    ("decided_on", DATE), ("decided_at", DATETIME), ("staff_name", STR),
    ("staff_role", STR)), "leave decision")
register("trackerevent", "trackerevent", (
    ("id", INT), ("pupil_id", INT), ("tracker", STR), ("kind", STR), ("value", STR),
    ("due_date", DATE), ("details", STR), ("at", DATETIME), ("staff_name", STR),
    ("staff_role", STR)), "tracker event")

register("pupilchange", "pupilchange", (
    ("id", INT), ("pupil_id", INT), ("contact_id", INT), ("field", STR), ("old_value", STR),
    ("new_value", STR), ("source", STR), ("changed_at", DATETIME), ("staff_name", STR),
    ("staff_role", STR)), "pupil record change")
register("accesslog", "accesslog", (
    ("id", INT), ("kind", STR), ("what", STR), ("pupils", INT), ("target", STR),
    ("details", STR), ("at", DATETIME), ("staff_name", STR), ("staff_role", STR)),
    "export or printout")
register("chronologyentry", "chronologyentry", (
    ("id", INT), ("pupil_id", INT), ("kind", STR), ("occurred_on", DATE), ("with_whom", STR),
    ("outcome", STR), ("details", STR), ("corrects_id", INT), ("recorded_at", DATETIME),
    ("staff_name", STR), ("staff_role", STR)), "chronology entry")


def _by_table() -> dict[str, ChainKind]:
    return {k.table: k for k in KINDS.values()}


# --- the chain's tail ----------------------------------------------------------------------


def lock_chain(conn: Connection, kind: ChainKind) -> None:
    """PostgreSQL: hold this chain's tail until commit (SQLite's write lock does already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :k)"),
                     {"ns": _CHAIN_LOCK, "k": kind.lock_key})


_GENESIS_Q = text("SELECT value FROM appmeta WHERE key = :k")
_MARK_HEAD_SQL = "SELECT hash FROM markledger ORDER BY id DESC LIMIT 1"
_LINK_HEAD_Q = text("SELECT hash FROM chainlink WHERE kind = :k ORDER BY id DESC LIMIT 1")
_LINK_INSERT = text("INSERT INTO chainlink (kind, record_id, prev_hash, hash) VALUES"
                    " (:kind, :record_id, :prev_hash, :hash)")


def _genesis(conn: Connection) -> str:
    got = conn.execute(_GENESIS_Q, {"k": GENESIS_KEY}).scalar()
    return str(got) if got is not None else ""


def head(conn: Connection, kind: ChainKind) -> str:
    """The hash the next link chains to (after lock_chain)."""
    # Statements built once: a keystroke's write reads two heads.
    if kind is MARK:
        got = conn.exec_driver_sql(_MARK_HEAD_SQL).scalar()
    else:
        got = conn.execute(_LINK_HEAD_Q, {"k": kind.name}).scalar()
    return str(got) if got is not None else genesis_hash(kind.name, _genesis(conn))


_CACHEABLE = frozenset({str, int, dt.date, dt.datetime, type(None)})


def mark_forms(writes: Iterable[Sequence[Any]]) -> Iterable[tuple[tuple[Any, ...], str]]:
    """For each mark write (MARK.fields order): its values normalised (dates and times as
    the text SQLite stores) and its canonical form, exactly as canonicaliser(MARK.fields)
    writes it. Fast for big batches: each distinct value of each field is normalised and
    JSON-encoded once (a batch repeats a few dates, codes and names), and the array is
    joined from those pieces; with separators (",", ":") the JSON of an array of scalars
    is the same text."""
    kinds = [t for _, t in MARK.fields]
    caches: list[dict[Any, tuple[Any, str]]] = [{} for _ in kinds]
    pairs = list(zip(kinds, caches, strict=True))
    for w in writes:
        values = []
        parts = []
        for v, (t, cache) in zip(w, pairs, strict=True):
            if type(v) is int and t == INT:  # ids: many distinct values, JSON is repr
                values.append(v)
                parts.append(repr(v))
                continue
            # Only exact types are cached: True == 1 and 1.0 == 1 as dict keys.
            got = cache.get(v) if type(v) in _CACHEABLE else None
            if got is None:
                n = _plain(t, v)
                got = cache[v] = (n, _ENCODE(n))
            values.append(got[0])
            parts.append(got[1])
        yield tuple(values), "[" + ",".join(parts) + "]"


def _plain(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if (type(v) is str and kind == STR) or (type(v) is int and kind == INT):
        return v
    return norm_value(kind, v)


def ledger_rows(conn: Connection, writes: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The markledger rows (LEDGER_COLS order) for mark writes given as tuples in MARK.fields
    order (code "" = the cell was cleared), chained in one pass; the caller inserts them.
    On SQLite the values come back normalised (dates and times as the text it stores)."""
    lock_chain(conn, MARK)
    if conn.dialect.name == "sqlite":
        return chain_marks(head(conn, MARK), writes)
    writes = list(writes)  # PostgreSQL gets its date and time objects, as before
    linked = chain_marks(head(conn, MARK), writes)
    return [(*w, *r[-2:]) for w, r in zip(writes, linked, strict=True)]


def chain_marks(prev: str, writes: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Ledger rows for `writes` chained after the hash `prev` (see ledger_rows)."""
    sha = hashlib.sha256
    out = []
    for values, canon in mark_forms(writes):
        h = sha(f"{prev}\n{canon}".encode()).hexdigest()
        out.append((*values, prev, h))
        prev = h
    return out


def assign_ids(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Give bulk-inserted rows their ids up front, so each link can name its record.
    SQLite: the next ids after the largest (the caller holds the write lock; append-only
    tables never lose rows). PostgreSQL: taken from the table's own sequence."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        ids = [r[0] for r in conn.execute(text(
            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table, "n": len(rows)})]
    else:
        top = conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0
        ids = list(range(top + 1, top + 1 + len(rows)))
    for row, i in zip(rows, ids, strict=True):
        row["id"] = i


def link_rows(conn: Connection, kind: ChainKind, rows: Sequence[Mapping[str, Any]]) -> None:
    """Chain records of `kind` (mappings with their id and fields), in id order."""
    if not rows:
        return
    lock_chain(conn, kind)
    prev = head(conn, kind)
    links = []
    for row in sorted(rows, key=lambda r: int(r["id"])):
        h = link_hash(prev, kind.canonical(row))
        links.append({"kind": kind.name, "record_id": int(row["id"]), "prev_hash": prev,
                      "hash": h})
        prev = h
    conn.execute(_LINK_INSERT, links)


# --- writing at commit ----------------------------------------------------------------------
# Writers only note what to chain (session.info); the links are written just before the
# session commits, kind by kind in one fixed order. So on PostgreSQL the chain locks are
# always the last locks a transaction takes, in the same order everywhere: no deadlock with
# the register's per-pupil locks or between chains, and each tail is held only briefly.

_PENDING = "chains_pending"  # kind -> rows (mark writes, or mappings with ids)
_NEW_IDS = "chains_new_ids"  # kind -> ids of records added through the ORM


def defer_marks(session: OrmSession, writes: Iterable[Sequence[Any]]) -> None:
    """Mark writes (tuples in MARK.fields order; code "" = cleared) for the ledger."""
    session.info.setdefault(_PENDING, {}).setdefault(MARK_KIND, []).extend(writes)


def defer_links(session: OrmSession, kind: ChainKind, rows: Iterable[Mapping[str, Any]]) -> None:
    """Records of `kind` inserted in bulk (mappings holding their id and fields)."""
    session.info.setdefault(_PENDING, {}).setdefault(kind.name, []).extend(rows)


@event.listens_for(OrmSession, "after_flush")
def _note_flushed(session: OrmSession, _ctx: Any) -> None:
    tables = _by_table()
    for obj in session.new:
        table = getattr(type(obj), "__tablename__", None)
        kind = tables.get(table) if isinstance(table, str) else None
        if kind is not None:
            session.info.setdefault(_NEW_IDS, {}).setdefault(kind.name, []).append(
                obj.id)


@event.listens_for(OrmSession, "before_commit")
def _write_links(session: OrmSession) -> None:
    session.flush()  # records still pending get their ids (noted by _note_flushed)
    pending = session.info.pop(_PENDING, None) or {}
    new_ids = session.info.pop(_NEW_IDS, None) or {}
    if not pending and not new_ids:
        return
    conn = session.connection()
    for name in sorted(set(pending) | set(new_ids)):
        if name == MARK_KIND:
            insert_ledger(conn, ledger_rows(conn, pending[name]))
            continue
        kind = KINDS[name]
        rows = list(pending.get(name, ()))
        if name in new_ids:
            # Hash what the database holds (read back), not the Python objects' values.
            t = table_of(kind)
            rows += conn.execute(select(*[t.c[c] for c, _ in kind.fields])
                                 .where(t.c.id.in_(new_ids[name]))).mappings().all()
        link_rows(conn, kind, rows)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_NEW_IDS, None)


def table_of(kind: ChainKind) -> Table:
    return Table(kind.table, MetaData(), *[Column(c) for c, _ in kind.fields])


def insert_ledger(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """One executemany of ledger rows (LEDGER_COLS order). SQLite gets dates and times as
    the text SQLAlchemy itself stores, straight to the driver (an import writes 1M); rows
    from ledger_rows are in that form already and go as they are."""
    if not rows:
        return
    cols = ", ".join(LEDGER_COLS)
    if conn.dialect.paramstyle == "qmark":
        d, at = LEDGER_COLS.index("date"), LEDGER_COLS.index("entered_at")
        if not all(type(r[d]) is str and type(r[at]) is str for r in rows):
            rows = [tuple(_plain(t, v) for (_, t), v in zip(MARK.fields, r, strict=False))
                    + tuple(r[len(MARK.fields):]) for r in rows]
        conn.exec_driver_sql(f"INSERT INTO markledger ({cols}) VALUES "
                             f"({', '.join('?' for _ in LEDGER_COLS)})", rows)
    else:
        conn.execute(text(f"INSERT INTO markledger ({cols}) VALUES "
                          f"({', '.join(':' + c for c in LEDGER_COLS)})"),
                     [dict(zip(LEDGER_COLS, r, strict=True)) for r in rows])


# --- upgrades: chains over records that existed before ------------------------------------


def start_chains(conn: Connection, started: dt.datetime) -> dict[str, int]:
    """Chain every existing record (id order) after a genesis statement recorded in appmeta:
    when the chains started and how many records each kind already held. Used by the
    migration that introduces the chains; returns the counts."""
    counts = {MARK_KIND: int(conn.exec_driver_sql("SELECT count(*) FROM mark").scalar() or 0)}
    # Kinds whose table a later migration creates start their chain there (link_existing).
    tables = set(inspect(conn).get_table_names())
    kinds = [k for k in KINDS.values() if k.table in tables]
    for kind in kinds:
        counts[kind.name] = int(conn.exec_driver_sql(
            f"SELECT count(*) FROM {kind.table}").scalar() or 0)
    genesis = json.dumps({"started": started.isoformat(sep=" ", timespec="seconds"),
                          "existing_records": counts,
                          "note": "records before this point were chained at the upgrade"},
                         sort_keys=True)
    conn.execute(text("INSERT INTO appmeta (key, value) VALUES (:k, :v)"),
                 {"k": GENESIS_KEY, "v": genesis})
    cols = [c for c, _ in MARK.fields]
    rows = conn.exec_driver_sql(f"SELECT {', '.join(cols)} FROM mark ORDER BY id").all()
    insert_ledger(conn, ledger_rows(conn, [tuple(r) for r in rows]))
    for kind in kinds:
        link_existing(conn, kind)
    return counts


def link_existing(conn: Connection, kind: ChainKind) -> None:
    """Link every record of `kind` that has no link yet (a new kind's migration calls this
    after creating its table, so its existing rows start the chain)."""
    cols = [c for c, _ in kind.fields]
    rows = conn.exec_driver_sql(
        f"SELECT {', '.join('t.' + c for c in cols)} FROM {kind.table} t WHERE NOT EXISTS"
        f" (SELECT 1 FROM chainlink l WHERE l.kind = '{kind.name}' AND l.record_id = t.id)"
        " ORDER BY t.id").all()
    link_rows(conn, kind, [dict(zip(cols, r, strict=True)) for r in rows])
