"""The command line, called in-process through the real entry point (and once as a process)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from attendance_desktop.__main__ import main
from attendance_desktop.config.paths import DB_FILE, resolve_paths
from attendance_desktop.db.engine import make_engine, session_scope
from attendance_desktop.db.models import PolicySetting, Pupil, School
from attendance_desktop.domain.calendar import academic_year_start
from attendance_desktop.domain.upn import with_check_letter

REPO = Path(__file__).resolve().parents[2]
UPNS = [with_check_letter(f"821200125{i:03d}") for i in range(1, 6)]
COLUMNS = ["upn", "possible", "present", "approved", "authorised", "unauthorised",
           "not_counted", "attendance_pct", "persistent", "severe", "late_l", "late_u"]


@pytest.fixture(autouse=True)
def env_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Commands given no folder land here, never in the real user data folder."""
    fallback = tmp_path / "env-default"
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(fallback))
    monkeypatch.delenv("ATTENDANCE_DB_URL", raising=False)
    return fallback


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def pupils_file(tmp_path: Path) -> Path:
    """Four pupils whose ages fit their year groups whatever today's date is."""
    year = academic_year_start(dt.date.today())

    def born(year_group: int) -> str:
        return f"15/01/{year - 4 - year_group}"

    path = tmp_path / "pupils.csv"
    path.write_text("\n".join([
        "UPN,Forename,Surname,DOB,NC Year,Reg Group,Gender,Admission date",
        f"{UPNS[0]},Mia,Abbott,{born(0)},R,Robins,F,01/09/2025",
        f"{UPNS[1]},Theo,Barnes,{born(1)},1,Wrens,M,01/09/2025",
        f"{UPNS[2]},Ava,Carter,{born(5)},5,Kestrels,F,01/09/2025",
        f"{UPNS[3]},Leo,Dunn,{born(6)},6,Kestrels,M,01/09/2025",
    ]) + "\n", encoding="utf-8")
    return path


MARK_ROWS = [
    [UPNS[0], "2025-11-17", "AM", "/", "", ""],
    [UPNS[1], "2025-11-17", "AM", "L", "12", "dentist, then school"],
    [UPNS[2], "2025-11-17", "AM", "N", "", ""],
    [UPNS[3], "2025-11-17", "AM", "/", "", ""],
    [UPNS[0], "2025-11-17", "PM", "\\", "", ""],
    [UPNS[1], "2025-11-17", "PM", "\\", "", ""],
    [UPNS[2], "2025-11-17", "PM", "I", "", ""],
    [UPNS[3], "2025-11-17", "PM", "U", "35", ""],
    [UPNS[0], "2025-11-18", "AM", "/", "", ""],
    [UPNS[1], "2025-11-18", "AM", "V", "", "Castle trip"],
    [UPNS[2], "2025-11-18", "AM", "/", "", ""],
    [UPNS[3], "2025-11-18", "AM", "#", "", ""],
]


def marks_file(tmp_path: Path, rows: list[list[str]] = MARK_ROWS,
               name: str = "marks.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["upn", "date", "session", "code", "minutes_late", "comment"])
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.fixture
def school(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A data folder with four pupils and a few days of marks, made by the CLI."""
    data = tmp_path / "school"
    assert run(capsys, "import", "pupils", pupils_file(tmp_path), "--data-dir", data)[0] == 0
    assert run(capsys, "import", "marks", marks_file(tmp_path), "--data-dir", data)[0] == 0
    return data


# --- where the data lives ------------------------------------------------------------


def test_new_data_dir_gets_a_database_with_a_default_school(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], env_default_dir: Path) -> None:
    data = tmp_path / "brand-new" / "folder"
    code, out, err = run(capsys, "stats", "--data-dir", data)
    assert (code, err) == (0, "")
    assert out.startswith("Attendance ")
    engine = make_engine(f"sqlite:///{data / DB_FILE}")
    try:
        with session_scope(engine) as s:
            schools = s.exec(select(School)).all()
            settings = s.exec(select(PolicySetting)).all()
    finally:
        engine.dispose()
    assert [x.name for x in schools] == ["New school"]
    assert len(settings) > 10
    assert not env_default_dir.exists()


@pytest.mark.parametrize("where", ["before", "after"])
def test_data_dir_before_or_after_the_command(tmp_path: Path, capsys, where: str) -> None:
    data = tmp_path / where
    argv = (["--data-dir", data, "stats"] if where == "before"
            else ["stats", "--data-dir", data])
    assert run(capsys, *argv)[0] == 0
    assert (data / DB_FILE).exists()


def test_environment_variable_chooses_the_data_dir(tmp_path: Path, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "from-env"
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(data))
    assert run(capsys, "import", "pupils", pupils_file(tmp_path))[0] == 0
    assert (data / DB_FILE).exists()
    code, out, _ = run(capsys, "stats", "--json", "--from", "2025-09-01", "--to", "2025-12-31")
    assert code == 0
    assert json.loads(out)["school"]["pupils"] == 0  # imported, but no marks yet


def test_db_url(tmp_path: Path, capsys) -> None:
    db = tmp_path / "elsewhere.sqlite3"
    code, out, _ = run(capsys, "import", "pupils", pupils_file(tmp_path),
                       "--db-url", f"sqlite:///{db}")
    assert code == 0
    assert out.strip() == "imported pupils.csv: 4 new, 0 updated, 3 new classes"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with session_scope(engine) as s:
            assert len(s.exec(select(Pupil)).all()) == 4
    finally:
        engine.dispose()


# --- bad usage and bad input: exit 2 and one line -------------------------------------


@pytest.mark.parametrize("argv", [
    ["frobnicate"],
    ["stats", "--from", "2025-02-30"],
    ["stats", "--to", "tomorrow"],
    ["import"],
    ["import", "teachers", "x.csv"],
    ["export", "marks"],
    ["stats", "--colour"],
])
def test_bad_usage_exits_2_with_one_line(tmp_path: Path, capsys, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv, "--data-dir", tmp_path / "d")
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("attendance-desktop: ")


def test_bad_date_says_which_and_how(tmp_path: Path, capsys) -> None:
    _, _, err = run(capsys, "stats", "--from", "31/02/2025", "--data-dir", tmp_path)
    assert "--from" in err
    assert "'31/02/2025' is not a date" in err


def test_bad_pupil_csv_names_row_and_column_and_saves_nothing(tmp_path: Path,
                                                              capsys) -> None:
    good = pupils_file(tmp_path).read_text().splitlines()
    bad_upn = ("A" if UPNS[1][0] != "A" else "B") + UPNS[1][1:]
    good[2] = good[2].replace(UPNS[1], bad_upn)
    good[4] = good[4].replace("01/09/2025", "1st Sept")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(good) + "\n")
    data = tmp_path / "d"

    code, out, err = run(capsys, "import", "pupils", path, "--data-dir", data)

    assert code == 2
    assert err.splitlines() == [
        f"attendance-desktop: bad.csv: row 3, column 'UPN': UPN '{bad_upn}' is not valid: "
        f"the check letter does not match the other characters (it should be {UPNS[1][0]}, "
        f"not {bad_upn[0]}) (and 1 more); nothing was imported"]
    # Every problem is listed on standard output, one a line.
    assert out.splitlines() == [
        f"bad.csv: row 3, column 'UPN': UPN '{bad_upn}' is not valid: the check letter does "
        f"not match the other characters (it should be {UPNS[1][0]}, not {bad_upn[0]})",
        "bad.csv: row 5, column 'Admission date': '1st Sept' is not a date "
        "(use YYYY-MM-DD or DD/MM/YYYY)"]
    assert json.loads(run(capsys, "stats", "--json", "--data-dir", data)[1])["pupils"] == []
    engine = make_engine(resolve_paths(data, environ={}).db_url)
    try:
        with session_scope(engine) as s:
            assert s.exec(select(Pupil)).all() == []
    finally:
        engine.dispose()


def test_bad_marks_csv_names_row_and_column(school: Path, tmp_path: Path, capsys) -> None:
    rows = [*MARK_ROWS[:3], [UPNS[0], "2025-11-19", "PM", "H", "", ""]]
    code, _, err = run(capsys, "import", "marks", marks_file(tmp_path, rows, "old.csv"),
                       "--data-dir", school)
    assert code == 2
    assert err.splitlines() == [
        "attendance-desktop: old.csv: row 5, column 'code': code H was withdrawn on "
        "19 August 2024 and cannot be used for 19 November 2025; nothing was imported"]


def test_missing_file(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "import", "marks", tmp_path / "nope.csv",
                       "--data-dir", tmp_path / "d")
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "nope.csv: no such file" in err


def test_export_to_a_folder_that_does_not_exist(school: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "export", "marks", tmp_path / "no" / "such" / "out.csv",
                       "--data-dir", school)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "cannot write" in err


def test_from_after_to_is_refused(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "stats", "--from", "2025-12-01", "--to", "2025-11-01",
                       "--data-dir", tmp_path)
    assert code == 2
    assert len(err.splitlines()) == 1


# --- import, export, stats end to end ----------------------------------------------------


def test_import_pupils_then_marks_then_export_round_trips(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d"
    code, out, _ = run(capsys, "import", "pupils", pupils_file(tmp_path), "--data-dir", data)
    assert (code, out.strip()) == (0, "imported pupils.csv: 4 new, 0 updated, 3 new classes")
    code, out, _ = run(capsys, "import", "marks", marks_file(tmp_path), "--data-dir", data)
    assert (code, out.strip()) == (0, "imported marks.csv: 12 new, 0 changed, 0 unchanged")

    out_file = tmp_path / "out.csv"
    code, out, _ = run(capsys, "export", "marks", out_file, "--data-dir", data)
    assert (code, out.strip()) == (0, "exported 12 marks to out.csv")
    assert read_csv(out_file)[1:] == sorted(MARK_ROWS, key=lambda r: (r[1], r[2], r[0]))

    # Re-importing the export changes nothing; importing it elsewhere reproduces it.
    code, out, _ = run(capsys, "import", "marks", out_file, "--data-dir", data)
    assert out.strip() == "imported out.csv: 0 new, 0 changed, 12 unchanged"
    other = tmp_path / "other"
    run(capsys, "import", "pupils", pupils_file(tmp_path), "--data-dir", other)
    run(capsys, "import", "marks", out_file, "--data-dir", other)
    again = tmp_path / "again.csv"
    run(capsys, "export", "marks", again, "--data-dir", other)
    assert again.read_bytes() == out_file.read_bytes()


def test_export_from_to(school: Path, tmp_path: Path, capsys) -> None:
    out_file = tmp_path / "day.csv"
    code, out, _ = run(capsys, "export", "marks", out_file, "--from", "2025-11-18",
                       "--to", "2025-11-18", "--data-dir", school)
    assert (code, out.strip()) == (0, "exported 4 marks to day.csv")
    assert {r[1] for r in read_csv(out_file)[1:]} == {"2025-11-18"}


def test_stats_json(school: Path, capsys) -> None:
    code, out, err = run(capsys, "stats", "--json", "--from", "2025-11-17",
                         "--to", "2025-11-18", "--data-dir", school)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["from"], data["to"]) == ("2025-11-17", "2025-11-18")
    school_row = data["school"]
    # 12 marks, one '#': 11 possible; attended / \ L \ / V / / \ \ = 8 of 11 = 72.7%
    assert (school_row["possible"], school_row["present"], school_row["approved"],
            school_row["authorised"], school_row["unauthorised"],
            school_row["not_counted"]) == (11, 7, 1, 1, 2, 1)
    assert school_row["attendance_pct"] == 72.7
    assert (school_row["late_l"], school_row["late_u"], school_row["minutes_late"]) == (
        1, 1, 47)
    rows = {r["upn"]: r for r in data["pupils"]}
    assert set(rows) == set(UPNS[:4])
    for r in data["pupils"]:
        assert set(r) - {"name", "class"} == set(COLUMNS)
    assert {k: rows[UPNS[2]][k] for k in COLUMNS} == {
        "upn": UPNS[2], "possible": 3, "present": 1, "approved": 0, "authorised": 1,
        "unauthorised": 1, "not_counted": 0, "attendance_pct": 33.3, "persistent": True,
        "severe": True, "late_l": 0, "late_u": 0}
    assert rows[UPNS[3]]["attendance_pct"] == 50.0
    assert (rows[UPNS[3]]["possible"], rows[UPNS[3]]["not_counted"]) == (2, 1)
    assert rows[UPNS[1]]["attendance_pct"] == 100.0
    assert rows[UPNS[1]]["late_l"] == 1
    assert '"attendance_pct": 33.3,' in out  # one decimal place in the text itself


def test_stats_text(school: Path, capsys) -> None:
    code, out, _ = run(capsys, "stats", "--from", "2025-11-17", "--to", "2025-11-17",
                       "--data-dir", school)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("Attendance 17 Nov 2025 to 17 Nov 2025: 62.5% over 8 possible "
                        "sessions, 4 pupils, 2 persistently absent, 2 severely absent")
    assert lines[1].split("\t") == COLUMNS
    table = {cells[0]: cells for cells in (line.split("\t") for line in lines[2:])}
    assert table[UPNS[2]] == [UPNS[2], "2", "0", "0", "1", "1", "0", "0.0", "yes", "yes",
                              "0", "0"]
    assert table[UPNS[1]] == [UPNS[1], "2", "2", "0", "0", "0", "0", "100.0", "no", "no",
                              "1", "0"]


def test_stats_from_to_narrows_the_count(school: Path, capsys) -> None:
    _, out, _ = run(capsys, "stats", "--json", "--from", "2025-11-18", "--to", "2025-11-18",
                    "--data-dir", school)
    data = json.loads(out)
    assert data["school"]["possible"] == 3
    assert {r["upn"] for r in data["pupils"]} == set(UPNS[:4])
    _, out, _ = run(capsys, "stats", "--json", "--from", "2025-12-01", "--to", "2025-12-31",
                    "--data-dir", school)
    data = json.loads(out)
    assert (data["school"]["possible"], data["school"]["attendance_pct"]) == (0, None)
    assert data["pupils"] == []


# --- the real entry point in a separate process -----------------------------------------


def test_entry_point_runs_as_a_process(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    env.pop("ATTENDANCE_DB_URL", None)
    env["ATTENDANCE_DATA_DIR"] = str(tmp_path / "unused")

    shown = subprocess.run([sys.executable, "-m", "attendance_desktop", "--help"], cwd=REPO,
                           env=env, capture_output=True, text=True, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    for command in ("demo", "import", "export", "stats"):
        assert command in shown.stdout

    data = tmp_path / "proc"
    done = subprocess.run([sys.executable, "-m", "attendance_desktop", "stats", "--data-dir",
                           str(data)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Attendance ")
    assert (data / DB_FILE).exists()

    bad = subprocess.run([sys.executable, "-m", "attendance_desktop", "stats", "--from", "x",
                          "--data-dir", str(data)], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert bad.returncode == 2
    assert len(bad.stderr.splitlines()) == 1


def test_changing_closed_registers_needs_a_reason_and_records_the_os_account(
        school: Path, tmp_path: Path, capsys) -> None:
    import getpass

    from attendance_desktop.db.models import MarkAmendment

    changed = [r[:] for r in MARK_ROWS]
    changed[2] = [UPNS[2], "2025-11-17", "AM", "I", "", ""]  # N -> I, long after it closed
    path = marks_file(tmp_path, changed, "fix.csv")
    code, out, err = run(capsys, "import", "marks", path, "--data-dir", school)
    assert code == 2
    assert err.count("\n") == 1
    assert "would change 1 marks in registers that have closed" in err
    assert "--reason" in err
    code, out, err = run(capsys, "import", "marks", path, "--data-dir", school,
                         "--reason", "Mum's note arrived late")
    assert (code, out.strip()) == (0, "imported fix.csv: 0 new, 1 changed, 11 unchanged")
    engine = make_engine(resolve_paths(school, environ={}).db_url)
    with session_scope(engine) as s:
        (a,) = s.exec(select(MarkAmendment)).all()
    engine.dispose()
    assert (a.old_code, a.new_code, a.staff_name, a.staff_role, a.after_close) == (
        "N", "I", getpass.getuser(), "command line", True)
    assert a.reason == "Imported from fix.csv: Mum's note arrived late"
