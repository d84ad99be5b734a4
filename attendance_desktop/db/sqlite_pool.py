"""The SQLite connection pool: one connection kept open for the main (GUI) thread only.

Every other thread opens the file afresh per unit of work and closes it at the end (as
NullPool does): a pooled sqlite3 connection must never pass from one thread to another
(a cursor left open by one thread, finalised by the garbage collector while another
thread used the connection, crashed the interpreter).

The main thread keeps its one connection because opening one is not free: connect, the
PRAGMAs (`journal_mode=WAL` reads the file's header and schema) and the close cost about
1-2 ms, i.e. a third of a keystroke's write in the Register grid (issue 12 point 10).
That connection is only ever handed to the main thread, and every cursor opened on it
is closed when it goes back to the pool, so nothing of it can be finalised later from
another thread. Keeping one connection open also spares SQLite a full WAL checkpoint at
each close (the last connection to a WAL file checkpoints and deletes the WAL).
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from typing import Any

from sqlalchemy.pool import ConnectionPoolEntry, NullPool

_THREAD_KEY = "attendance_checkout_thread"


class TrackingConnection(sqlite3.Connection):
    """A sqlite3 connection that can close every cursor still open on it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cursors: weakref.WeakSet[sqlite3.Cursor] = weakref.WeakSet()

    def cursor(self, factory: Any = sqlite3.Cursor) -> Any:
        # (Connection.execute also comes here: CPython calls the method by name.)
        cur = super().cursor(factory)
        self._cursors.add(cur)
        return cur

    def close_cursors(self) -> None:
        for cur in list(self._cursors):
            cur.close()
        self._cursors.clear()


class MainThreadPool(NullPool):
    """NullPool, except that the main thread's connection is kept for its next use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept: ConnectionPoolEntry | None = None
        self._lock = threading.Lock()

    def status(self) -> str:
        return f"MainThreadPool (kept: {self._kept is not None})"

    def _do_get(self) -> ConnectionPoolEntry:
        ident = threading.get_ident()
        record: ConnectionPoolEntry | None = None
        if ident == threading.main_thread().ident:
            with self._lock:
                record, self._kept = self._kept, None
        if record is None:
            record = self._create_connection()
        record.info[_THREAD_KEY] = ident
        return record

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        main = threading.main_thread().ident
        keep = (record.info.get(_THREAD_KEY) == main == threading.get_ident()
                and record.dbapi_connection is not None)
        if keep:
            closer = getattr(record.dbapi_connection, "close_cursors", None)
            if closer is not None:
                closer()
            with self._lock:
                if self._kept is None:
                    self._kept = record
                    return
        record.close()

    def dispose(self) -> None:
        """Close the kept connection (e.g. before a restore replaces the file)."""
        with self._lock:
            record, self._kept = self._kept, None
        if record is not None:
            record.close()

    def recreate(self) -> MainThreadPool:
        self.logger.info("Pool recreating")
        return self.__class__(
            self._creator,
            recycle=self._recycle,
            echo=self.echo,
            logging_name=self._orig_logging_name,
            reset_on_return=self._reset_on_return,
            pre_ping=self._pre_ping,
            _dispatch=self.dispatch,
            dialect=self._dialect,
        )
