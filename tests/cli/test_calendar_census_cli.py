"""`calendar import/export`, `export census`, and commands that need term dates refusing
without them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from attendance_desktop.__main__ import main
from attendance_desktop.services.csv_safe import safe_cell, unsafe_cell
from attendance_desktop.services.reports import census_service

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = ("attendance-desktop: no term dates cover 19/12/2025: set them in Settings or with "
           "`calendar import`")


def run(capsys, *argv: object) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_alerts_without_term_dates_refuse_with_one_line(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "alerts", "--data-dir", tmp_path / "d", "--on", "2025-12-19")
    assert code == 2
    assert out == ""
    assert err.splitlines() == [MESSAGE]
    code, out, err = run(capsys, "alerts", "--json", "--data-dir", tmp_path / "d", "--on",
                         "19/12/2025")
    assert (code, out, err.splitlines()) == (2, "", [MESSAGE])


def test_alerts_as_a_process_exit_2_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "attendance_desktop", "alerts", "--data-dir",
                           str(tmp_path / "d"), "--on", "2025-12-19"], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [MESSAGE]


def test_calendar_import_then_alerts_work(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d"
    dates = tmp_path / "dates.csv"
    dates.write_text(
        "kind,name,start,end,session\n"
        "year,2025/26,,,\n"
        "term,Autumn,03/09/2025,19/12/2025,\n"
        "half_term,Autumn 1,03/09/2025,24/10/2025,\n"
        "half_term,Autumn 2,03/11/2025,19/12/2025,\n"
        "term,Spring,05/01/2026,27/03/2026,\n"
        "half_term,Spring 1,05/01/2026,13/02/2026,\n"
        "half_term,Spring 2,23/02/2026,27/03/2026,\n"
        "term,Summer,13/04/2026,22/07/2026,\n"
        "half_term,Summer 1,13/04/2026,22/05/2026,\n"
        "half_term,Summer 2,01/06/2026,22/07/2026,\n"
        "closure,Polling station,07/05/2026,,AM\n", encoding="utf-8")
    code, out, err = run(capsys, "calendar", "import", dates, "--data-dir", data)
    assert (code, err) == (0, "")
    assert "added 2025/26" in out
    code, out, err = run(capsys, "alerts", "--data-dir", data, "--on", "2025-12-19")
    assert (code, err) == (0, "")
    assert out.startswith("Alerts on 19 Dec 2025: 0 pupils on roll")
    exported = tmp_path / "out.csv"
    code, out, _ = run(capsys, "calendar", "export", exported, "--data-dir", data)
    assert code == 0
    rows = list(csv.reader(exported.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["kind", "name", "start", "end", "session"]
    assert ["closure", "Polling station", "2026-05-07", "2026-05-07", "AM"] in rows
    # the same file again: nothing to do; a changed one needs --replace
    code, out, _ = run(capsys, "calendar", "import", exported, "--data-dir", data)
    assert (code, "unchanged 2025/26" in out) == (0, True)
    exported.write_text(exported.read_text(encoding="utf-8-sig").replace(
        "2026-05-07,2026-05-07,AM", "2026-05-07,2026-05-07,PM"), encoding="utf-8-sig")
    code, out, err = run(capsys, "calendar", "import", exported, "--data-dir", data)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "--replace" in err
    code, out, err = run(capsys, "calendar", "import", exported, "--replace", "--data-dir",
                         data)
    assert (code, err) == (0, "")
    assert "replaced 2025/26" in out


def test_a_bad_calendar_file_lists_rows_and_exits_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,name,start,end,session\nyear,2025-26,,,\nterm,Autumn,3 Sept,,\n",
                   encoding="utf-8")
    code, out, err = run(capsys, "calendar", "import", bad, "--data-dir", tmp_path / "d")
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "nothing was imported" in err
    assert "bad.csv: row 2, column 'name': '2025-26' is not an academic year" in out
    assert "bad.csv: row 3, column 'start': '3 Sept' is not a date" in out


@pytest.fixture(scope="module")
def demo_school(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("demo") / "d"
    assert main(["demo", "--data-dir", str(data), "--pupils", "60", "--today",
                 "2026-05-20"]) == 0
    return data


@pytest.mark.parametrize(("term", "start", "end"), [
    ("Autumn", "2025-08-01", "2025-12-31"),
    ("Spring", "2026-01-01", "2026-04-05"),       # to Easter Sunday
    ("Summer 1", "2026-04-06", "2026-05-24")])    # Easter Monday to before spring bank hol.
def test_census_totals_agree_with_stats(demo_school: Path, tmp_path: Path, capsys,
                                        term: str, start: str, end: str) -> None:
    capsys.readouterr()
    out_file = tmp_path / "census.csv"
    code, out, err = run(capsys, "export", "census", out_file, "--term", term, "--year",
                         "2025/26", "--data-dir", demo_school)
    assert (code, err) == (0, "")
    assert f"({start[8:]}/{start[5:7]}/{start[:4]} to" in out
    code, out, _ = run(capsys, "stats", "--json", "--from", start, "--to", end, "--data-dir",
                       demo_school)
    stats = json.loads(out)["school"]
    with out_file.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == stats["pupils"] > 0
    total = {f: sum(int(r[f]) for r in rows) for f in (
        "SessionsPossible", "SessionsAttended", "SessionsAEA", "SessionsAuthorised",
        "SessionsUnauthorised", "SessionsUnableToAttend", "SessionsNotRequired")}
    assert total["SessionsPossible"] == stats["possible"] > 0
    assert total["SessionsAttended"] == stats["present"]
    assert total["SessionsAEA"] == stats["approved"]
    assert total["SessionsAuthorised"] == stats["authorised"]
    assert total["SessionsUnauthorised"] == stats["unauthorised"]
    assert total["SessionsUnableToAttend"] + total["SessionsNotRequired"] == \
        stats["not_counted"]
    codes = {k[len("Sessions_"):]: sum(int(r[k]) for r in rows) for k in rows[0]
             if k.startswith("Sessions_")}
    assert {c: n for c, n in codes.items() if n} == stats["codes"]
    for r in rows:  # each pupil's own figures add up
        assert int(r["SessionsPossible"]) == sum(int(r[f]) for f in (
            "SessionsAttended", "SessionsAEA", "SessionsAuthorised", "SessionsUnauthorised"))
        assert r["TermlyAttendancePeriod"] == f"{term} 2025/26"


def test_census_summer_gives_both_halves_and_bad_terms_exit_2(demo_school: Path,
                                                               tmp_path: Path, capsys) -> None:
    out_file = tmp_path / "s.csv"
    code, out, _ = run(capsys, "export", "census", out_file, "--term", "summer", "--year",
                       "2025/26", "--data-dir", demo_school)
    assert code == 0
    assert "Summer 1 2025/26" in out
    assert "Summer 2 2025/26" in out
    code, _, err = run(capsys, "export", "census", out_file, "--term", "Winter",
                       "--data-dir", demo_school)
    assert code == 2
    assert err.splitlines() == ["attendance-desktop: 'Winter' is not a census term; use "
                                "Autumn, Spring, Summer 1, Summer 2 or Summer"]
    code, _, err = run(capsys, "export", "census", out_file, "--year", "2025/27",
                       "--data-dir", demo_school)
    assert code == 2
    assert "is not an academic year like 2025/26" in err


def test_census_periods_follow_the_dfe_schedule() -> None:
    import datetime as dt

    p = census_service.census_period("Summer 2", 2021)  # 2022: jubilee moved the bank hol.
    assert (p.start, p.end) == (dt.date(2022, 6, 2), dt.date(2022, 7, 31))
    p = census_service.census_period("Spring", 2025)
    assert (p.start, p.end) == (dt.date(2026, 1, 1), dt.date(2026, 4, 5))
    # the default is the term the next census collects
    labels = lambda d: [x.label for x in census_service.periods_for(None, None, d)]  # noqa: E731
    assert labels(dt.date(2026, 10, 1)) == ["Summer 1 2025/26", "Summer 2 2025/26"]
    assert labels(dt.date(2026, 1, 15)) == ["Autumn 2025/26"]
    assert labels(dt.date(2026, 5, 21)) == ["Spring 2025/26"]


def test_safe_cell_defuses_formulas() -> None:
    for text in ("=1+1", "+44 7700", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
        assert unsafe_cell(safe_cell(text)) == text
    assert safe_cell("Zoë") == "Zoë"
    assert safe_cell(None) == ""
    assert safe_cell(12) == "12"
    assert unsafe_cell("'quoted") == "'quoted"
