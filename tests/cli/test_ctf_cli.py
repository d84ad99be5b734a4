"""`import ctf` and `export ctf` on the command line (in-process, and once as a process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from attendance_desktop.__main__ import main
from tests.services import ctf_files as f

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def env_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path / "env-default"))
    monkeypatch.delenv("ATTENDANCE_DB_URL", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def ctf_file(tmp_path: Path, *pupils: str, name: str = "in.xml") -> Path:
    path = tmp_path / name
    path.write_text(f.ctf(*(pupils or (f.pupil(attendance="<Attendance>" + f.year()
                                               + "</Attendance>"),))), encoding="utf-8")
    return path


def test_preview_without_yes_saves_nothing_then_yes_imports(capsys, tmp_path):
    data, path = tmp_path / "school", ctf_file(tmp_path)
    code, out, _err = run(capsys, "import", "ctf", path, "--data-dir", data)
    assert code == 0
    assert f"{f.UPN_A}  Izzy Marwood  NEW" in out
    assert "    Legal forename: Isla" in out
    assert "    Contact added: Ms Jane Marwood (Mother, order 1" in out
    assert out.rstrip().endswith("Nothing saved: run again with --yes to import.")
    code, out, _err = run(capsys, "export", "ctf", f.UPN_A, tmp_path / "o.xml", "--data-dir",
                          data)
    assert code == 2  # the pupil was not saved
    code, out, err = run(capsys, "import", "ctf", path, "--sections", "details,attendance",
                         "--yes", "--data-dir", data)
    assert (code, err) == (0, "")
    assert out.rstrip().endswith("Imported the CTF: 1 pupils added, 0 updated, 0 contacts "
                                 "added, 1 years of previous-school attendance kept")
    code, out, err = run(capsys, "import", "ctf", path, "--yes", "--data-dir", data)
    assert code == 0
    assert err.startswith("attendance-desktop: note: in.xml: this same file was imported on")


def test_bad_files_exit_2_with_one_line(capsys, tmp_path):
    data = tmp_path / "school"
    bad = ctf_file(tmp_path, f.pupil(sex="Q"), name="bad.xml")
    code, out, err = run(capsys, "import", "ctf", bad, "--yes", "--data-dir", data)
    assert code == 2
    assert err.splitlines() == [
        f"attendance-desktop: bad.xml: pupil {f.UPN_A}, <Sex>: 'Q' is not M or F; nothing was "
        "imported"]
    assert f"bad.xml: pupil {f.UPN_A}, <Sex>: 'Q' is not M or F" in out
    attack = tmp_path / "attack.xml"
    attack.write_text('<!DOCTYPE CTfile [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                      "<CTfile>&b;</CTfile>", encoding="utf-8")
    code, _out, err = run(capsys, "import", "ctf", attack, "--data-dir", data)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "entity-expansion attack" in err
    code, _out, err = run(capsys, "import", "ctf", bad, "--sections", "photos",
                          "--data-dir", data)
    assert code == 2
    assert "'photos' is not a CTF section" in err


def test_export_for_a_leaver_as_a_process(capsys, tmp_path):
    data = tmp_path / "school"
    assert run(capsys, "import", "ctf", ctf_file(tmp_path), "--yes", "--data-dir", data)[0] == 0
    out_file = tmp_path / "leaver.xml"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "attendance_desktop", "export", "ctf",
                           f.UPN_A, str(out_file), "--lea", "201", "--estab", "2998",
                           "--data-dir", str(data)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Wrote {out_file}: CTF 25.0 for {f.UPN_A}")
    root = SafeET.parse(out_file).getroot()
    assert root.findtext("CTFpupilData/Pupil/Surname") == "Marwood"
    assert root.findtext("CTFpupilData/Pupil/Attendance/YearData/Estab") == "2999"
    code, _out, err = run(capsys, "export", "ctf", f.UPN_A, tmp_path / "x.xml", "--lea", "2",
                          "--data-dir", data)
    assert code == 2
    assert err.strip() == "attendance-desktop: LA number: '2' should be 3 digits"
