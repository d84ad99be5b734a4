"""A change counter for the shared live view (issue 12 point 4).

Every commit that changes marks, their history, kiosk events or the call log raises the one
row of `register_revision` by one, inside the same transaction. A screen that is open on
this PC or another polls `current()` (one primary-key SELECT) every couple of seconds and
reloads only when the number moved. It works the same on one SQLite file shared by several
processes and on PostgreSQL.

The raise happens in a `before_commit` hook, i.e. as the transaction's last statement: on
PostgreSQL the row lock is then the last lock a writer takes, so two writers can never
deadlock on it (each has taken its advisory locks already) and the row is held only for
the moment of the commit. On SQLite the file's write lock is held anyway.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction

from attendance_desktop.db.models import (
    CallLog,
    KioskEvent,
    Mark,
    MarkAmendment,
    RegisterRevision,
)

CHANGED_KEY = "register_changed"
# Tables whose rows the live screens show; an ORM flush touching one counts as a change.
_WATCHED = (Mark, MarkAmendment, KioskEvent, CallLog)


_RAISE_SQL = "UPDATE register_revision SET revision = revision + 1 WHERE id = 1"


def mark_changed(session: OrmSession) -> None:
    """This transaction changed what the live screens show: raise the counter on commit.
    (The register path writes with Core statements, which the flush hook cannot see.)"""
    session.info[CHANGED_KEY] = True


def _touches_watched(session: OrmSession) -> bool:
    return any(isinstance(obj, _WATCHED)
               for obj in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(OrmSession, "before_flush")
def _note_orm_changes(session: OrmSession, _flush: UOWTransaction, _instances: Any) -> None:
    if not session.info.get(CHANGED_KEY) and _touches_watched(session):
        session.info[CHANGED_KEY] = True


@event.listens_for(OrmSession, "before_commit")
def _raise_on_commit(session: OrmSession) -> None:
    if not session.info.get(CHANGED_KEY) and not _touches_watched(session):
        return
    session.flush()  # pending ORM rows first, so nothing is flushed after the row lock
    session.info.pop(CHANGED_KEY, None)
    conn = session.connection()
    done = conn.exec_driver_sql(_RAISE_SQL)
    if done.rowcount == 0:  # a database made without the migration's first row
        conn.exec_driver_sql("INSERT INTO register_revision (id, revision) VALUES (1, 1)")


@event.listens_for(OrmSession, "after_rollback")
def _forget_on_rollback(session: OrmSession) -> None:
    session.info.pop(CHANGED_KEY, None)


def current(engine: Engine) -> int:
    """The counter now (0 before the first change). One cheap read; no lock taken."""
    table = RegisterRevision.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        value = conn.execute(table.select().with_only_columns(table.c.revision)
                             .where(table.c.id == 1)).scalar()
    return int(value or 0)
