"""attendance-desktop check, as a real process: 0 and one summary line when all is well;
1 with each break in plain English after the file was changed outside the app."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from tests.db.migration_tools import cli
from tests.services import integrity_scenarios as sc


def test_check_exits_0_then_1_with_each_break(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = open_database(resolve_paths(data, environ={}))
    reg = sc.build(engine)
    engine.dispose()

    done = cli("check", "--data-dir", data)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Register checked: all well")

    con = sqlite3.connect(data / "attendance.sqlite3", isolation_level=None)
    con.execute(f"UPDATE mark SET code = 'O' WHERE pupil_id = {reg.first} AND session = 'PM'")
    con.execute("DROP TRIGGER markamendment_no_update")
    con.execute(f"UPDATE markamendment SET reason = 'forged' WHERE id = {reg.amendment_id}")
    con.close()

    done = cli("check", "--data-dir", data)
    assert done.returncode == 1, done.stderr
    out = done.stdout.splitlines()
    assert any(reg.first_name in line and "Mon 08 Sep 2025 PM" in line and "'O'" in line
               for line in out)
    assert any("markamendment_no_update" in line and "missing" in line for line in out)
    assert f"Amendment {reg.amendment_id} was altered after it was written" in out
    assert out[-1].startswith("Register checked: 3 problems found")
    assert "Traceback" not in done.stderr
