"""The policy and the school calendar for the register's write path, cached by content.

The one mark writer (register_service.apply_changes) needs both on every write: when the
register closes, and which sessions are open. Building them through the ORM on every
keystroke cost more than the write itself. Here the rows are read with plain SELECTs
inside the writer's own transaction, after it took the write lock, and the parsed objects
are kept keyed on exactly the rows read. So a change made anywhere (this engine, another
engine, another process or PC on the same file or server, a restored backup) is seen by
the next write, and there is nothing to invalidate: a stale object can never be served.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from attendance_desktop.domain.calendar import SchoolCalendar, Span
from attendance_desktop.domain.policy import Policy

T = TypeVar("T")
_KEPT = 8  # a few recent versions (two schools open in tests, a settings change undone)
_lock = threading.Lock()
_policies: dict[Hashable, Policy] = {}
_calendars: dict[Hashable, SchoolCalendar] = {}


def _cached(cache: dict[Hashable, T], key: Hashable, build: Callable[[], T]) -> T:
    with _lock:
        got = cache.get(key)
    if got is not None:
        return got
    made = build()
    with _lock:
        if len(cache) >= _KEPT:
            cache.clear()
        cache[key] = made
    return made


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _rows(conn: Connection, sql: str) -> tuple[tuple[Any, ...], ...]:
    return tuple(sorted((tuple(r) for r in conn.exec_driver_sql(sql)), key=str))


# One statement for both (a keystroke's write sends as few as it can): the policy rows,
# the half terms and the closures, told apart by the first column.
# Dates as text, so the columns have one type on PostgreSQL too.
_FACTS_SQL = ("SELECT 'p', key, value_json, CAST(NULL AS VARCHAR) FROM policysetting"
              " UNION ALL SELECT 't', name, CAST(start_date AS VARCHAR),"
              " CAST(end_date AS VARCHAR) FROM term"
              " UNION ALL SELECT 'c', CAST(date AS VARCHAR), session, CAST(NULL AS VARCHAR)"
              " FROM closure")


def _policy(rows: tuple[tuple[Any, ...], ...]) -> Policy:
    return _cached(_policies, rows, lambda: Policy.from_dict(
        {k: json.loads(v) for k, v in rows}))


def _calendar(terms: tuple[tuple[Any, ...], ...],
              closures: tuple[tuple[Any, ...], ...]) -> SchoolCalendar:
    def build() -> SchoolCalendar:
        closed: dict[dt.date, frozenset[str]] = {}
        for day, session in closures:
            d = _as_date(day)
            sessions = frozenset({"AM", "PM"}) if session == "DAY" else frozenset({session})
            closed[d] = closed.get(d, frozenset()) | sessions
        return SchoolCalendar([Span(n, _as_date(a), _as_date(b)) for n, a, b in terms],
                              closed)

    return _cached(_calendars, (terms, closures), build)


def facts_in(s: Session) -> tuple[Policy, SchoolCalendar]:
    """The policy and the calendar as stored now, in one statement (same results as
    policy_service.read_policy and calendar_service.read_calendar)."""
    policy: list[tuple[Any, ...]] = []
    terms: list[tuple[Any, ...]] = []
    closures: list[tuple[Any, ...]] = []
    into = {"p": policy, "t": terms, "c": closures}
    for kind, a, b, c in s.connection().exec_driver_sql(_FACTS_SQL):
        into[kind].append((a, b) if kind != "t" else (a, b, c))
    # Sorted: the key must not depend on the order the database returns rows in.
    return (_policy(tuple(sorted(policy))),
            _calendar(tuple(sorted(terms, key=str)), tuple(sorted(closures, key=str))))


def policy_in(s: Session) -> Policy:
    """The policy as stored now (same result as policy_service.read_policy)."""
    return _policy(_rows(s.connection(), "SELECT key, value_json FROM policysetting"
                                         " ORDER BY key"))


def calendar_in(s: Session) -> SchoolCalendar:
    """The calendar as stored now (same result as calendar_service.read_calendar)."""
    conn = s.connection()
    return _calendar(_rows(conn, "SELECT name, start_date, end_date FROM term"),
                     _rows(conn, "SELECT date, session FROM closure"))
