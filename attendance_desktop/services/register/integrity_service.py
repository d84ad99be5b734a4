"""`check`: is the register as the app wrote it? (issue 13 point 1)

Verifies the database file (SQLite's integrity and foreign key checks), that every
append-only table still has its refusing triggers, and every hash chain (db/chains.py):
each link follows the one before and hashes what its record now holds; every record has a
link; for marks, the latest ledger entry of each cell equals the mark on record. Every
break is described in plain English (which pupil, date and session, or which record).

It also remembers, in appmeta, the tail of each chain at the last check, so a chain later
cut back (its newest entries removed) is reported too. What it cannot prove: someone who
recomputes every hash with this app's own code can forge a consistent history; the weekly
check (which pins the tails it saw) and backups on a second medium bound that.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from attendance_desktop.db import chains
from attendance_desktop.db.models import APPEND_ONLY_TABLES, RECORD_TABLES
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.services import clock

LAST_CHECK_KEY = "last_check"
CHECK_EVERY_DAYS = 7
MAX_LISTED = 500  # per area: past this the count still says how many


@dataclass(frozen=True, slots=True)
class CheckResult:
    problems: tuple[str, ...]
    records: int  # chained records verified
    checked_at: dt.datetime
    more: int = 0  # problems found beyond the ones listed
    tails: dict[str, list[Any]] = field(default_factory=dict)  # chain -> [id, hash]

    @property
    def count(self) -> int:
        return len(self.problems) + self.more

    @property
    def ok(self) -> bool:
        return self.count == 0

    def summary(self) -> str:
        if self.ok:
            return (f"Register checked: all well ({self.records} records in the tamper-evident"
                    " chains verified, triggers and database file sound)")
        return (f"Register checked: {self.count} problem{'s' if self.count != 1 else ''}"
                " found; the register may have been changed outside the app")


@dataclass(frozen=True, slots=True)
class LastCheck:
    at: dt.datetime
    problems: int

    def describe(self, now: dt.datetime) -> str:
        days = (now.date() - self.at.date()).days
        when = ("today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago")
        if self.problems:
            return (f"Register checked {when}: {self.problems} problem"
                    f"{'s' if self.problems != 1 else ''} found (Settings → Backups → "
                    "Check the register)")
        return f"Register checked {when}: all well"


class _Found:
    """Problems collected per area (listing capped, counting not)."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.more = 0
        self._per_area: dict[str, int] = {}

    def add(self, area: str, problem: str) -> None:
        n = self._per_area[area] = self._per_area.get(area, 0) + 1
        if n <= MAX_LISTED:
            self.listed.append(problem)
        else:
            self.more += 1


# --- the file and the triggers -----------------------------------------------------------


def _file_checks(conn: Connection, found: _Found) -> None:
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL checks its own pages and enforces foreign keys itself
    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
    if rows != ["ok"]:
        for r in rows:
            found.add("file", f"The database file is damaged: {r}")
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
        found.add("file", f"A {table} row (id {rowid}) refers to a {parent} row that does"
                          " not exist")


def expected_triggers(dialect: str) -> dict[str, str]:
    """Trigger name -> table, for every append-only table."""
    if dialect == "sqlite":
        return {f"{t}_no_{a}": t for t in (*APPEND_ONLY_TABLES, *RECORD_TABLES)
                for a in ("update", "delete")}
    return {f"{t}_append_only": t for t in (*APPEND_ONLY_TABLES, *RECORD_TABLES)}


def _trigger_checks(conn: Connection, found: _Found) -> None:
    dialect = conn.dialect.name
    expected = expected_triggers(dialect)
    present: dict[str, tuple[str, bool]] = {}  # name -> (table, refuses)
    if dialect == "sqlite":
        for name, table, sql in conn.exec_driver_sql(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"):
            flat = " ".join(str(sql).upper().split())
            action = "UPDATE" if name.endswith("_no_update") else "DELETE"
            present[name] = (table, f"BEFORE {action} ON {table.upper()}" in flat
                             and "RAISE(ABORT" in flat)
    elif dialect == "postgresql":
        for name, table, enabled, source in conn.execute(text(
                "SELECT t.tgname, c.relname, t.tgenabled, p.prosrc FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
                " WHERE NOT t.tgisinternal AND c.relnamespace = to_regnamespace("
                "current_schema())")):
            present[name] = (table, enabled != "D" and "RAISE EXCEPTION" in source.upper())
    else:
        return
    for name, table in sorted(expected.items()):
        got = present.get(name)
        if got is None:
            found.add("triggers", f"The guard {name} that stops {table} records being changed"
                                  " or deleted is missing (it was dropped)")
        elif got[0] != table or not got[1]:
            found.add("triggers", f"The guard {name} on {table} no longer refuses changes"
                                  " (it was replaced or disabled)")


# --- the chains ---------------------------------------------------------------------------


def _names(conn: Connection) -> dict[int, str]:
    out = {}
    for pid, fore, pref, sur, upn in conn.exec_driver_sql(
            "SELECT id, legal_forename, preferred_forename, legal_surname, upn FROM pupil"):
        out[int(pid)] = f"{pref or fore} {sur}" + (f" (UPN {upn})" if upn else "")
    return out


def _cell(names: dict[int, str], pid: int, day: str, session: str) -> str:
    who = names.get(pid, f"pupil {pid} (no longer on file)")
    try:
        when = f"{dt.date.fromisoformat(day):%a %d %b %Y}"
    except ValueError:
        when = day
    return f"{who}, {when} {session}"


def _moment(value: str | None) -> str:
    try:
        return f"{dt.datetime.fromisoformat(str(value)):%a %d %b %Y at %H:%M}"
    except ValueError:
        return str(value)


def _show(code: str | None) -> str:
    return f"'{code}'" if code else "no mark"


COMPARING = "Comparing the marks on the register with their history"
_MARK_NAMES = [c for c, _ in chains.MARK.fields]
_MARK_TYPES = [t for _, t in chains.MARK.fields]


def _norm_row(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(map(chains.norm_value, _MARK_TYPES, values))


def _unpack(batch: bytes) -> tuple[str, list[bytes]]:
    """A batch entry's digest and writes; an unreadable blob gives no writes and a digest
    that matches nothing (so the entry is reported as altered)."""
    try:
        return chains.unpack_batch(bytes(batch))
    except (zlib.error, ValueError):
        return "unreadable", []


def _check_marks(conn: Connection, genesis: str, names: dict[int, str], found: _Found,
                 token: CancelToken | None) -> Generator[Progress, None, tuple[int, list[Any]]]:
    total = int(conn.exec_driver_sql("SELECT count(*) FROM markledger").scalar() or 0)
    prev = chains.genesis_hash(chains.MARK_KIND, genesis)
    latest: dict[tuple[int, str, str], tuple[Any, ...]] = {}
    tail: list[Any] = [0, ""]
    records = 0  # mark writes (an import's one ledger entry holds many)
    canon = chains.canonicaliser(chains.MARK.fields)
    cur = conn.exec_driver_sql(
        f"SELECT id, {', '.join(_MARK_NAMES)}, prev_hash, hash, batch FROM markledger"
        " ORDER BY id")
    for done, row in enumerate(cur, start=1):
        lid, values, prev_hash, h, batch = (row[0], _norm_row(row[1:11]), row[11], row[12],
                                            row[13])
        where = (f"an import by {values[7]} on {_moment(values[9])}" if batch is not None
                 else _cell(names, values[0], values[1], values[2]))
        if prev_hash != prev:
            found.add("marks", f"Mark history: the record before entry {lid} ({where}) is"
                               " missing or was altered (the chain of mark writes is broken)")
        if batch is None:
            text_hashed = canon(values)
            latest[(values[0], values[1], values[2])] = values[3:]
        else:
            digest, lines = _unpack(batch)
            text_hashed = chains.batch_text(canon(values), digest)
            for line in lines:  # the import's writes, in order
                try:
                    w = tuple(json.loads(line))
                    latest[(w[0], w[1], w[2])] = w[3:]
                except (ValueError, TypeError, IndexError):
                    break  # unreadable: the digest no longer matches (reported below)
        if chains.link_hash(prev_hash, text_hashed) != h:
            found.add("marks", f"Mark history: entry {lid} ({where}) was altered after it was"
                               " written")
        prev = h
        tail = [lid, h]
        records += 1 if batch is None else len(lines)
        if done % 50_000 == 0:
            if token is not None:
                token.check()
            yield Progress(done, total, "Checking the history of marks")
    yield Progress(total, total, COMPARING)
    for row in conn.exec_driver_sql(
            f"SELECT {', '.join(_MARK_NAMES)} FROM mark ORDER BY date, session, pupil_id"):
        values = _norm_row(row)
        key = (values[0], values[1], values[2])
        where = _cell(names, *key)
        last = latest.pop(key, None)
        if last is None or not last[0]:
            found.add("marks", f"Mark for {where}: {_show(values[3])} is on the register but"
                               " was never written by the app (added outside it)")
        elif last != values[3:]:
            what = (f"holds {_show(values[3])} but the app last wrote {_show(last[0])}"
                    if last[0] != values[3] else
                    "holds details (minutes late, comment, who or when) the app did not write")
            found.add("marks", f"Mark for {where}: the register {what} (changed outside the"
                               " app)")
    for key, last in sorted(latest.items()):
        if last[0]:
            found.add("marks", f"Mark for {_cell(names, *key)}: {_show(last[0])}, entered by"
                               f" {last[4] or 'unknown'} on {_moment(last[6])}, is missing"
                               " from the register (deleted outside the app)")
    return records, tail


_RETENTION_MARKERS = {  # retention_service.REMOVED_AMENDMENTS / REMOVED_PUPIL_CHANGES
    "markamendment": "removed amendment ids:", "pupilchange": "removed pupil change ids:"}


def _removed_by_retention(conn: Connection, kind: str) -> set[int]:
    """Ids of `kind` the head's retention removals deleted, as the access log records them
    (that log is chained, so an entry added to hide a deletion is itself caught)."""
    marker = _RETENTION_MARKERS.get(kind)
    out: set[int] = set()
    if marker is None:
        return out
    for (details,) in conn.execute(text("SELECT details FROM accesslog WHERE kind ="
                                        " 'retention'")):
        if marker not in (details or ""):
            continue
        for part in details.split(marker, 1)[1].split(";", 1)[0].strip().split(","):
            first, _, last = part.strip().partition("-")
            if first.isdigit():
                out.update(range(int(first), int(last or first) + 1))
    return out


def _check_kind(conn: Connection, kind: chains.ChainKind, genesis: str, found: _Found,
                ) -> tuple[int, list[Any]]:
    cols = [c for c, _ in kind.fields]
    records = {int(r[0]): dict(zip(cols, r, strict=True)) for r in conn.exec_driver_sql(
        f"SELECT {', '.join(cols)} FROM {kind.table}")}  # "id" comes first in every kind
    removed = _removed_by_retention(conn, kind.name)
    prev = chains.genesis_hash(kind.name, genesis)
    tail: list[Any] = [0, ""]
    n = 0
    links = conn.execute(text("SELECT id, record_id, prev_hash, hash FROM chainlink WHERE"
                              " kind = :k ORDER BY id"), {"k": kind.name})
    for lid, rid, prev_hash, h in links:
        label = f"{kind.label.capitalize()} {rid}"
        if prev_hash != prev:
            found.add(kind.name, f"{label}: the record chained before it is missing or was"
                                 " altered (the chain is broken)")
        rec = records.pop(int(rid), None)
        if rec is None and int(rid) in removed:
            pass  # removed by the head's retention removal (recorded in the access log)
        elif rec is None:
            found.add(kind.name, f"{label} was deleted (its chain link remains)")
        elif chains.link_hash(prev_hash, kind.canonical(rec)) != h:
            found.add(kind.name, f"{label} was altered after it was written")
        prev = h
        tail = [lid, h]
        n += 1
    for rid in sorted(records):
        found.add(kind.name, f"{kind.label.capitalize()} {rid} was added outside the app (it"
                             " has no chain link)")
    return n, tail


def _tail_checks(conn: Connection, before: dict[str, list[Any]], found: _Found) -> None:
    """A chain must still hold the newest link the last check saw (else it was cut back)."""
    for name, (lid, h) in sorted(before.items()):
        if not lid:
            continue
        if name == chains.MARK_KIND:
            got = conn.execute(text("SELECT hash FROM markledger WHERE id = :i"),
                               {"i": lid}).scalar()
        else:
            got = conn.execute(text("SELECT hash FROM chainlink WHERE id = :i AND kind = :k"),
                               {"i": lid, "k": name}).scalar()
        if got != h:
            label = "mark" if name == chains.MARK_KIND else chains.KINDS[name].label \
                if name in chains.KINDS else name
            found.add("tails", f"The {label} history seen by the last check (entry {lid}) is"
                               " gone or altered: records were removed since then")


def snapshot(conn: Connection) -> Connection:
    """One consistent view for the whole check, so a mark saved while it runs is never
    seen without its ledger entry: a read transaction on SQLite (WAL keeps writers going),
    REPEATABLE READ on PostgreSQL. Call before the first statement."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")
        return conn
    return conn.execution_options(isolation_level="REPEATABLE READ")


def run_check(conn: Connection, token: CancelToken | None = None,
              now: dt.datetime | None = None, *, file_checks: bool = True,
              ) -> Generator[Progress, None, CheckResult]:
    """The whole check over one connection (see `snapshot`); yields progress, returns the
    result."""
    found = _Found()
    yield Progress(0, 0, "Checking the database file")
    if file_checks:
        _file_checks(conn, found)
    _trigger_checks(conn, found)
    genesis = conn.execute(text("SELECT value FROM appmeta WHERE key = :k"),
                           {"k": chains.GENESIS_KEY}).scalar()
    if genesis is None:
        found.add("chains", "The record of when the tamper-evident chains started is missing")
        genesis = ""
    names = _names(conn)
    records, mark_tail = yield from _check_marks(conn, str(genesis), names, found, token)
    tails = {chains.MARK_KIND: mark_tail}
    for kind in chains.KINDS.values():
        if token is not None:
            token.check()
        yield Progress(0, 0, f"Checking the {kind.label} history")
        n, tails[kind.name] = _check_kind(conn, kind, str(genesis), found)
        records += n
    last = _read_last(conn)
    if last is not None:
        _tail_checks(conn, last.get("tails", {}), found)
    return CheckResult(tuple(found.listed), records, now or clock.now(conn), found.more,
                       tails)


# --- running it ----------------------------------------------------------------------------


def check_job(engine: Engine, record: bool = True,
              ) -> Callable[[CancelToken], Generator[Progress, None, CheckResult]]:
    """A job for gui.workers / backup_service.run_job: the check, then its result kept."""

    def job(token: CancelToken) -> Generator[Progress, None, CheckResult]:
        now = clock.now(engine)
        with engine.connect() as conn:
            result = yield from run_check(snapshot(conn), token, now)
            conn.rollback()  # ends the read transaction; nothing was written
        if record:
            record_result(engine, result)
        return result

    return job


def check(engine: Engine, record: bool = True) -> CheckResult:
    job = check_job(engine, record)(CancelToken())
    while True:
        try:
            next(job)
        except StopIteration as stop:
            result: CheckResult = stop.value
            return result


def _read_last(conn: Connection) -> dict[str, Any] | None:
    raw = conn.execute(text("SELECT value FROM appmeta WHERE key = :k"),
                       {"k": LAST_CHECK_KEY}).scalar()
    try:
        got = json.loads(raw) if raw else None
    except ValueError:
        return None
    return got if isinstance(got, dict) else None


def record_result(engine: Engine, result: CheckResult) -> None:
    """Keep when the check ran, what it found and the chains' tails it verified. Tails are
    kept only from a clean check, so one bad check does not bless a cut-back chain."""
    with engine.begin() as conn:
        old = _read_last(conn) or {}
        value = json.dumps({"at": result.checked_at.isoformat(sep=" ", timespec="seconds"),
                            "problems": result.count,
                            "tails": result.tails if result.ok else old.get("tails", {})})
        conn.execute(text("DELETE FROM appmeta WHERE key = :k"), {"k": LAST_CHECK_KEY})
        conn.execute(text("INSERT INTO appmeta (key, value) VALUES (:k, :v)"),
                     {"k": LAST_CHECK_KEY, "v": value})


def last_check(engine: Engine) -> LastCheck | None:
    with engine.connect() as conn:
        got = _read_last(conn)
    if not got:
        return None
    try:
        return LastCheck(dt.datetime.fromisoformat(str(got["at"])), int(got["problems"]))
    except (KeyError, TypeError, ValueError):
        return None


def check_is_due(engine: Engine, now: dt.datetime, days: int = CHECK_EVERY_DAYS) -> bool:
    last = last_check(engine)
    return last is None or now - last.at >= dt.timedelta(days=days)


def verify_file(path: Path) -> list[str]:
    """The backup hook (backup_service.verify_database): the check over a SQLite file,
    opened read-only and immutable. A file from before the chains has nothing to check."""
    uri = f"{Path(path).resolve().as_uri()}?immutable=1"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as conn:
            has = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type ="
                                       " 'table' AND name = 'markledger'").scalar()
            if not has:
                return []
            # integrity and foreign keys: verify_database has just checked them
            gen = run_check(conn, file_checks=False)
            while True:
                try:
                    next(gen)
                except StopIteration as stop:
                    result: CheckResult = stop.value
                    break
    finally:
        engine.dispose()
    return list(result.problems) + ([f"and {result.more} more problems"] if result.more
                                    else [])
