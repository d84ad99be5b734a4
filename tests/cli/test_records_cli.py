"""The command line records the operating-system account for exports and pupil imports."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path

import pytest
from sqlmodel import select

from attendance_desktop.__main__ import main
from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import AccessLog, Mark, PupilChange
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.database import open_database

UPNS = [with_check_letter(f"821200125{i:03d}") for i in range(1, 4)]


@pytest.fixture(autouse=True)
def env_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path / "env-default"))
    monkeypatch.delenv("ATTENDANCE_DB_URL", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_export_and_stats_json_record_the_os_account(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    pupils = tmp_path / "pupils.csv"
    pupils.write_text("UPN,Forename,Surname,DOB,Year\n" + "".join(
        f"{u},Ann{n},=Evil{n},01/05/2017,3\n" for n, u in enumerate(UPNS)), encoding="utf-8")
    code, _, err = run(capsys, "import", "pupils", pupils, "--data-dir", data)
    assert code == 0, err
    engine = open_database(resolve_paths(data, environ={}))
    me = getpass.getuser()
    with session_scope(engine) as s:
        added = s.exec(select(PupilChange).where(PupilChange.field == "record")).all()
        assert len(added) == 3
        assert {(c.staff_name, c.staff_role, c.source) for c in added} == {
            (me, "command line", "import")}
        pid = added[0].pupil_id
        s.add(Mark(pupil_id=pid, date=dt.date(2025, 11, 17), session="AM", code="/",
                   comment="-2+3"))
    out_file = tmp_path / "out" / "marks.csv"
    out_file.parent.mkdir()
    code, _, err = run(capsys, "export", "marks", out_file, "--data-dir", data)
    assert code == 0, err
    assert "'-2+3" in out_file.read_text(encoding="utf-8")
    code, out, err = run(capsys, "stats", "--json", "--from", "2025-11-01", "--to",
                         "2025-11-30", "--data-dir", data)
    assert code == 0, err
    assert json.loads(out)["pupils"]
    with session_scope(engine) as s:
        log = [(a.what, a.pupils, a.target, a.staff_name, a.staff_role)
               for a in s.exec(select(AccessLog).order_by(AccessLog.id))]
    assert log[0] == ("export marks", 1, "marks.csv", me, "command line")
    assert log[1][0] == "stats --json"
    assert log[1][3:] == (me, "command line")
    code, _, err = run(capsys, "export", "ctf", UPNS[0], tmp_path / "out" / "leaver.xml",
                       "--data-dir", data)
    assert code == 0, err
    code, _, err = run(capsys, "export", "census", tmp_path / "out" / "census.csv", "--term",
                       "Autumn", "--year", "2025/26", "--data-dir", data)
    assert code == 0, err
    with session_scope(engine) as s:
        log = [(a.what, a.pupils, a.target, a.staff_name, a.staff_role)
               for a in s.exec(select(AccessLog).order_by(AccessLog.id))]
    assert log[2] == ("CTF export", 1, "leaver.xml", me, "command line")
    assert log[3][0] == "census export"
    assert log[3][2:] == ("census.csv", me, "command line")
    assert all(str(tmp_path) not in str(row) for row in log)  # file names, not folders
    assert all("Evil" not in str(row) for row in log)  # never a pupil's name
    engine.dispose()
