"""The database opened on a background thread while the first window is already shown.

Importing the database stack (SQLAlchemy, SQLModel, the models) and opening the engine
takes most of a start. When db.quick_read could read what the sign-in dialog shows, the
dialog comes up at once and this opens the database behind it; the PIN check waits for
it (normally long finished). Plain Python threading, no Qt: the GUI thread polls `done`
or calls `wait`, which hands back the context or raises what opening raised, so a fault
is reported exactly as on the usual start.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from attendance_desktop.services.context import AppContext

log = logging.getLogger(__name__)


class BackgroundOpen:
    """Runs `open_context` once on its own thread, from `start` (or the first `wait`)."""

    def __init__(self, open_context: Callable[[], AppContext]) -> None:
        self._open = open_context
        self._finished = threading.Event()
        self._ctx: AppContext | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="open-database", daemon=True)
        self._started = False

    def start(self) -> None:
        """Once the window is shown (the import would slow the window down otherwise)."""
        if not self._started:
            self._started = True
            self._thread.start()

    def _run(self) -> None:
        try:
            self._ctx = self._open()
        except BaseException as exc:  # handed to the GUI thread by wait()
            self._error = exc
        finally:
            self._finished.set()

    def done(self) -> bool:
        return self._finished.is_set()

    def failed(self) -> bool:
        return self._finished.is_set() and self._error is not None

    def wait(self) -> AppContext:
        """The context once opened; raises whatever opening raised."""
        self.start()
        self._finished.wait()
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._ctx is not None
        return self._ctx

    def engine(self) -> Engine:
        """For LoginDialog: the engine, waiting for it if need be."""
        return self.wait().engine


class PendingContext:
    """Stands in for the AppContext while BackgroundOpen opens it (the quick kiosk): the
    time at once, the engine when first asked for (waiting for it). The window is handed
    the real context as soon as it is open."""

    def __init__(self, opening: BackgroundOpen,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.opening = opening
        self.clock = clock

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.clock().date()

    @property
    def engine(self) -> Engine:
        return self.opening.engine()
