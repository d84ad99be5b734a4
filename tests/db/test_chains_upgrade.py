"""A database from before the chains (revision 0004) holding marks, amendments and
settings changes gets its chains on upgrade, starting there: `check` is clean at once,
and the chains then catch tampering with the records that existed before."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sqlalchemy import text

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db import chains, migrate
from attendance_desktop.db.engine import make_engine
from attendance_desktop.services.database import open_database
from attendance_desktop.services.register import integrity_service
from tests.db.migration_tools import migrations_copy


def old_register(db_file: Path, work: Path) -> None:
    """Revision 0004 and rows as the previous release wrote them (plain SQL)."""
    later = tuple(f.name for f in (migrate.MIGRATIONS / "versions").glob("0*.py")
                  if f.name[:4] > "0004")  # whatever the lead numbers the later revisions
    old = migrations_copy(work / "old_migrations", without=later)
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        migrate.upgrade(engine, script_location=old)
        assert migrate.current_revision(engine) == "0004"
    finally:
        engine.dispose()
    con = sqlite3.connect(db_file, isolation_level=None)
    con.execute("BEGIN")
    for i in (1, 2):
        con.execute(
            "INSERT INTO pupil (id, legal_forename, legal_surname, preferred_forename,"
            " preferred_surname, dob, year_group, admission_date, sex, sen, fsm,"
            " pupil_premium, looked_after, child_in_need, eal, young_carer, ethnicity, notes,"
            " is_demo, upn, leaving_reason) VALUES (?, ?, 'Older', '', '', '2018-05-01', '2',"
            " '2024-09-01', '', 'N', 0, 0, 0, 0, 0, 0, '', '', 0, NULL, '')",
            (i, f"Pupil{i}"))
    for i, (day, session, code) in enumerate([("2025-09-08", "AM", "/"),
                                              ("2025-09-08", "PM", "N"),
                                              ("2025-09-09", "AM", "L")]):
        for pid in (1, 2):
            con.execute(
                "INSERT INTO mark (pupil_id, date, session, code, minutes_late, comment,"
                " source, entered_by, entered_role, entered_at) VALUES (?, ?, ?, ?, ?, '',"
                " 'register', 'Old Teacher', 'teacher', ?)",
                (pid, day, session, code, 5 if code == "L" else None,
                 f"{day} 08:5{i}:00.000000"))
    con.execute(
        "INSERT INTO markamendment (pupil_id, date, session, old_code, old_comment, new_code,"
        " new_comment, reason, after_close, source, amended_at, staff_name, staff_role)"
        " VALUES (1, '2025-09-08', 'PM', '/', '', 'N', '', 'Left at lunch', 1, 'register',"
        " '2025-09-08 15:00:00.000000', 'Old Head', 'head')")
    con.execute(
        "INSERT INTO settingchange (area, key, old_value, new_value, changed_at, staff_name,"
        " staff_role) VALUES ('policy', 'lateness', '5', '10', '2025-09-01 10:00:00.000000',"
        " 'Old Head', 'head')")
    con.execute("COMMIT")
    con.close()


def test_an_old_register_is_chained_on_upgrade_and_checks_clean(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data", environ={})
    paths.data_dir.mkdir(parents=True)
    old_register(paths.sqlite_file, tmp_path)

    engine = open_database(paths)  # upgrades to head
    try:
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        result = integrity_service.check(engine)
        assert result.ok, result.problems
        assert result.records >= 6 + 1 + 1
        with engine.connect() as conn:
            genesis = json.loads(conn.execute(text("SELECT value FROM appmeta WHERE key ="
                                                   " :k"), {"k": chains.GENESIS_KEY}).scalar())
            assert conn.execute(text("SELECT count(*) FROM markledger")).scalar() == 6
        assert genesis["existing_records"]["mark"] == 6
        assert genesis["existing_records"]["markamendment"] == 1
        assert genesis["existing_records"]["settingchange"] == 1
        assert genesis["started"]
    finally:
        engine.dispose()

    # the records from before the upgrade are now protected like new ones
    con = sqlite3.connect(paths.sqlite_file, isolation_level=None)
    con.execute("UPDATE mark SET code = 'P' WHERE pupil_id = 2 AND session = 'PM'")
    con.close()
    engine = open_database(paths)
    try:
        [problem] = integrity_service.check(engine).problems
        assert "Pupil2 Older, Mon 08 Sep 2025 PM" in problem
        assert "'P'" in problem
    finally:
        engine.dispose()
