"""Two PCs (two engines, two threads) flushing the same outbox at once: every message goes
exactly once. On SQLite here and on the PostgreSQL test server when it is installed."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.mail import absence, outbox, sender
from tests.conftest import OFFICE, clock_at
from tests.mail import test_outbox
from tests.mail.mail_fixtures import Inbox
from tests.mail.test_outbox import NOW, TODAY, configure, school_with_emails

_counter = itertools.count()


def race(engine: Engine, second: Engine, inbox: Inbox) -> None:
    ids = school_with_emails(engine)
    configure(engine, inbox.port)
    pupils = list(ids.values())
    items = [i for _ in range(6) for i in absence.preview(engine, "first_day", pupils, TODAY)]
    queued = absence.queue_messages(engine, OFFICE, items)
    assert len(queued) == 30  # 5 addresses x 6
    clock_at(second, NOW)
    results: list[sender.FlushResult] = []
    errors: list[BaseException] = []

    def pc(e: Engine) -> None:
        try:
            results.append(sender.flush(e))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=pc, args=(e,)) for e in (engine, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sum(r.sent for r in results) == 30
    got = [m.message["Message-ID"].strip() for m in inbox.messages]
    assert len(got) == 30
    assert len(set(got)) == 30  # nobody got the same message twice
    assert {r.status for r in outbox.list_messages(engine)} == {"sent"}


def test_two_pcs_flush_at_once_on_sqlite(engine: Engine, paths, inbox: Inbox,  # type: ignore[no-untyped-def]
                                         file_keyring: object) -> None:
    second = open_database(paths)
    try:
        race(engine, second, inbox)
    finally:
        second.dispose()


@pytest.fixture
def pg_engines(pg_base, tmp_path: Path):  # type: ignore[no-untyped-def]
    name = f"mail_{next(_counter)}"
    admin = create_engine(f"{pg_base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    paths = resolve_paths(tmp_path, f"{pg_base}/{name}", environ={})
    a, b = open_database(paths), open_database(paths)
    yield a, b
    a.dispose()
    b.dispose()


def test_outbox_on_postgresql(pg_engines, smtp, file_keyring, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b = pg_engines
    inbox = smtp.start()
    race(a, b, inbox)


def test_offline_then_online_on_postgresql(pg_engines, smtp, file_keyring, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, _ = pg_engines
    # built_once None: the school is built on PostgreSQL, not copied from a SQLite file
    test_outbox.test_offline_waits_then_sends_exactly_once(None, a, smtp, file_keyring,
                                                           tmp_path)
