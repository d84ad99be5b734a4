"""The tamper-evident chains and `check` on the PostgreSQL test server: the same kinds of
tampering, done through SQL on a separate psycopg connection (a database login, outside
the app), are caught and described; an old (0004) database gets its chains on upgrade."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db import migrate
from attendance_desktop.db.engine import make_engine
from attendance_desktop.services.database import open_database
from tests.db.migration_tools import migrations_copy
from tests.db.pg_server import server_binaries
from tests.services import integrity_scenarios as sc

pytestmark = pytest.mark.skipif(server_binaries() is None,
                                reason="PostgreSQL server binaries are not installed")
psycopg = pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is missing")
_counter = itertools.count()


def _new_db(pg_base: str) -> str:
    name = f"chains_{next(_counter)}"
    admin = create_engine(f"{pg_base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{pg_base}/{name}"


@pytest.fixture
def pg(pg_base: str, tmp_path: Path) -> Iterator[tuple[Engine, str, sc.Register]]:
    url = _new_db(pg_base)
    engine = open_database(resolve_paths(tmp_path, url, environ={}))
    try:
        yield engine, url, sc.build(engine)
    finally:
        engine.dispose()


def tamper(url: str, *statements: str) -> None:
    """Plain psycopg with autocommit, not the app's engine."""
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as con:
        for st in statements:
            con.execute(st)


def test_clean_then_a_mark_changed_and_one_deleted(pg: tuple[Engine, str, sc.Register]
                                                   ) -> None:
    engine, url, reg = pg
    sc.clean(engine)
    tamper(url, f"UPDATE mark SET code = 'O' WHERE pupil_id = {reg.pupils[1]} AND"
                " session = 'PM'",
           f"DELETE FROM mark WHERE pupil_id = {reg.first} AND session = 'AM'")
    found = sc.problems(engine)
    assert len(found) == 2
    assert any("Mon 08 Sep 2025 PM" in p and "holds 'O'" in p for p in found)
    assert any(reg.first_name in p and "deleted outside the app" in p for p in found)


def test_upsert_over_an_amendment_is_refused(pg: tuple[Engine, str, sc.Register]) -> None:
    engine, url, reg = pg
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        tamper(url, f"INSERT INTO markamendment SELECT * FROM markamendment WHERE id ="
                    f" {reg.amendment_id} ON CONFLICT (id) DO UPDATE SET reason = 'forged'")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM markledger"))
    sc.clean(engine)


def test_history_deleted_after_dropping_the_trigger(pg: tuple[Engine, str, sc.Register]
                                                    ) -> None:
    engine, url, reg = pg
    tamper(url, "DROP TRIGGER markamendment_append_only ON markamendment",
           f"DELETE FROM markamendment WHERE id = {reg.amendment_id}")
    found = sc.problems(engine)
    assert any("markamendment_append_only" in p and "missing" in p for p in found)
    assert f"Amendment {reg.amendment_id} was deleted (its chain link remains)" in found


def test_a_disabled_trigger_and_an_altered_settings_change(
        pg: tuple[Engine, str, sc.Register]) -> None:
    engine, url, _reg = pg
    tamper(url, "ALTER TABLE settingchange DISABLE TRIGGER settingchange_append_only",
           "UPDATE settingchange SET new_value = 'forged' WHERE id = (SELECT min(id) FROM"
           " settingchange)")
    found = sc.problems(engine)
    assert any("settingchange_append_only" in p and "no longer refuses" in p for p in found)
    assert any(p.startswith("Settings change ") and "altered" in p for p in found)


def test_ledger_entry_removed_after_dropping_its_trigger(
        pg: tuple[Engine, str, sc.Register]) -> None:
    engine, url, _reg = pg
    with engine.connect() as conn:
        middle = conn.execute(text("SELECT min(id) + 1 FROM markledger")).scalar()
    tamper(url, "DROP TRIGGER markledger_append_only ON markledger",
           f"DELETE FROM markledger WHERE id = {middle}")
    found = sc.problems(engine)
    assert any("markledger_append_only" in p for p in found)
    assert any("chain of mark writes is broken" in p for p in found)


def test_an_old_postgresql_register_is_chained_on_upgrade(pg_base: str,
                                                          tmp_path: Path) -> None:
    url = _new_db(pg_base)
    later = tuple(f.name for f in (migrate.MIGRATIONS / "versions").glob("0*.py")
                  if f.name[:4] > "0004")
    old = migrations_copy(tmp_path / "old_migrations", without=later)
    engine = make_engine(url)
    migrate.upgrade(engine, script_location=old)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO pupil (legal_forename, legal_surname, preferred_forename,"
            " preferred_surname, dob, year_group, admission_date, sex, sen, fsm,"
            " pupil_premium, looked_after, child_in_need, eal, young_carer, ethnicity, notes,"
            " is_demo, leaving_reason) VALUES ('Old', 'Pupil', '', '', '2018-05-01', '2',"
            " '2024-09-01', '', 'N', false, false, false, false, false, false, '', '',"
            " false, '')"))
        pid = conn.execute(text("SELECT id FROM pupil")).scalar()
        conn.execute(text(
            "INSERT INTO mark (pupil_id, date, session, code, minutes_late, comment, source,"
            " entered_by, entered_role, entered_at) VALUES (:p, '2025-09-08', 'AM', 'L', 4,"
            " '', 'register', 'Old', 'teacher', '2025-09-08 08:55:00')"), {"p": pid})
        conn.execute(text(
            "INSERT INTO markamendment (pupil_id, date, session, old_code, old_comment,"
            " new_code, new_comment, reason, after_close, source, amended_at, staff_name,"
            " staff_role) VALUES (:p, '2025-09-08', 'AM', '/', '', 'L', '', 'late', true,"
            " 'register', '2025-09-08 15:00:00', 'Old Head', 'head')"), {"p": pid})
    engine.dispose()
    engine = open_database(resolve_paths(tmp_path / "d", url, environ={}))
    try:
        assert sc.clean(engine).records >= 2
    finally:
        engine.dispose()
