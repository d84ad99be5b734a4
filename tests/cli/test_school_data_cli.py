"""Real school files through the command line: exit 0 with warnings shown, or exit 2 with
one line on standard error (every problem on standard output) and nothing saved."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from attendance_desktop.__main__ import main
from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import make_engine, session_scope
from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain.calendar import academic_year_start
from attendance_desktop.domain.upn import with_check_letter

CUMBERLAND = with_check_letter("942200125001")
TEMPORARY = with_check_letter("83920012500B")  # Bournemouth, Christchurch and Poole
YEAR = academic_year_start(dt.date.today())


@pytest.fixture(autouse=True)
def no_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path / "env-default"))
    monkeypatch.delenv("ATTENDANCE_DB_URL", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def saved(data: Path) -> tuple[int, int]:
    engine = make_engine(resolve_paths(data, environ={}).db_url)
    try:
        with session_scope(engine) as s:
            return len(s.exec(select(Pupil)).all()), len(s.exec(select(Mark)).all())
    finally:
        engine.dispose()


def pupils_text(admission: str = "") -> str:
    col = ",Admission date" if admission else ""
    val = f",{admission}" if admission else ""
    return (f"UPN,Forename,Surname,DOB,Year{col}\n"
            f"{CUMBERLAND},Zoë,Example,15/01/{YEAR - 9},5{val}\n"
            f"{TEMPORARY},Ira,Example,15/01/{YEAR - 9},5{val}\n")


def test_excel_unicode_text_with_new_council_and_temporary_upns(tmp_path: Path,
                                                                capsys) -> None:
    path = tmp_path / "pupils.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + pupils_text().replace(",", "\t")
                     .encode("utf-16-le"))
    code, out, err = run(capsys, "import", "pupils", path, "--data-dir", tmp_path / "d")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "imported pupils.txt: 2 new, 0 updated"
    assert lines[1].startswith("warning: pupils.txt: row 3, column 'UPN': ")
    assert "temporary UPN" in lines[1]
    assert len(lines) == 2  # 942 Cumberland is on the DfE list: no warning


def test_mixed_encodings_exit_2_with_the_row(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(pupils_text().encode() + f"{with_check_letter('942200125009')},Ren"
                     .encode() + b"\xe9e,Example,15/01/2016,5\n")
    data = tmp_path / "d"
    code, _, err = run(capsys, "import", "pupils", path, "--data-dir", data)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "mixed.csv: row 4" in err
    assert "mixes two text encodings" in err
    assert saved(data) == (0, 0)


def test_bad_marks_exit_2_and_save_nothing(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d"
    pupils = tmp_path / "p.csv"
    pupils.write_text(pupils_text(f"01/09/{YEAR - 2}"), encoding="utf-8")
    assert run(capsys, "import", "pupils", pupils, "--data-dir", data)[0] == 0
    marks = tmp_path / "m.csv"
    marks.write_text("upn,date,session,code,minutes_late,comment\n"
                     f"{CUMBERLAND},{YEAR - 1}-11-17,AM,L,{2 ** 63},\n"
                     f"{CUMBERLAND},2025-11-15,AM,/,,\n"           # a Saturday
                     f"{CUMBERLAND},9999-12-01,AM,C,,\n"
                     f"{CUMBERLAND},{YEAR - 1}-12-25,AM,/,,\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "marks", marks, "--data-dir", data)
    assert code == 2
    assert err.startswith("attendance-desktop: m.csv: row 2, column 'minutes_late': ")
    assert len(err.splitlines()) == 1
    assert [line.split(":")[1].strip() for line in out.splitlines()] == [
        "row 2, column 'minutes_late'", "row 3, column 'date'", "row 4, column 'date'",
        "row 5, column 'date'"]
    assert "weekend" in out
    assert "days ahead" in out
    assert "Christmas Day" in out
    assert saved(data) == (2, 0)


def test_history_for_pupils_without_admission_dates(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d"
    pupils = tmp_path / "p.csv"
    pupils.write_text(pupils_text(), encoding="utf-8")
    assert run(capsys, "import", "pupils", pupils, "--data-dir", data)[0] == 0
    marks = tmp_path / "m.csv"
    first = dt.date(YEAR - 1, 11, 17)  # a weekday in the year before: history
    while first.weekday() >= 5:
        first += dt.timedelta(days=1)
    marks.write_text("upn,date,session,code,minutes_late,comment\n"
                     f"{CUMBERLAND},{first},AM,/,,\n{TEMPORARY},{first},AM,I,,\n",
                     encoding="utf-8")
    code, out, err = run(capsys, "import", "marks", marks, "--data-dir", data)
    assert (code, err) == (0, "")
    assert out.strip() == "imported m.csv: 2 new, 0 changed, 0 unchanged"
    # Given now, an admission date after those marks is refused with the list.
    pupils.write_text(pupils_text(f"01/09/{YEAR}"), encoding="utf-8")
    code, out, err = run(capsys, "import", "pupils", pupils, "--data-dir", data)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert f"would leave 1 mark on record before it, when the pupil was not on roll: " \
           f"{first:%d/%m/%Y} AM /" in out
    assert saved(data) == (2, 2)
