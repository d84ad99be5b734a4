"""The application's clock: one per engine, bound at composition, read by the services.

Rules that depend on the time (has the register closed? is it late?) are decided inside the
services from this clock, never from a time a caller passes, so no caller can pick an
earlier moment to get round them. The composition root (AppContext, the command line)
binds the wall clock; tests bind a FixedClock they can move.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

ClockFn = Callable[[], dt.datetime]

_CLOCKS: weakref.WeakKeyDictionary[Engine, ClockFn] = weakref.WeakKeyDictionary()


class FixedClock:
    """A clock that stands still until moved (tests, benchmarks, the demo's timeline)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def set(self, at: dt.datetime) -> None:
        self.at = at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


def bind_clock(engine: Engine, clock: ClockFn) -> None:
    """Make `clock` the time source of every service call on `engine` (composition only)."""
    _CLOCKS[engine] = clock


def _engine_of(bind: Engine | Connection | Session) -> Engine:
    if isinstance(bind, Engine):
        return bind
    if isinstance(bind, Connection):
        return bind.engine
    found = bind.get_bind()
    return found if isinstance(found, Engine) else found.engine


def now(bind: Engine | Connection | Session) -> dt.datetime:
    """The application's time for this database (the wall clock unless one was bound)."""
    clock = _CLOCKS.get(_engine_of(bind))
    return clock() if clock is not None else dt.datetime.now()


def today(bind: Engine | Connection | Session) -> dt.date:
    """The application's date for this database."""
    return now(bind).date()
