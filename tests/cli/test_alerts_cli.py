"""`attendance-desktop alerts`: the flags per pupil, as JSON and as a table."""

from __future__ import annotations

import json

import pytest

from attendance_desktop.__main__ import main
from tests.services.tracker_data import ON, D, add_pupil, fill


@pytest.fixture
def school(engine, school_year, paths):  # type: ignore[no-untyped-def]
    ok = add_pupil(engine, "Ada", "Fine", "A300000000001")
    away = add_pupil(engine, "Cal", "Away", "A300000000002")
    fill(engine, ok, D(2025, 9, 3), ON)
    fill(engine, away, D(2025, 9, 3), D(2025, 10, 12))
    fill(engine, away, D(2025, 10, 13), ON, "O")  # 24 school days of O
    return paths.data_dir


def test_alerts_json_fields_and_values(school, capsys):
    assert main(["alerts", "--data-dir", str(school), "--on", "2025-11-20", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["on"] == "2025-11-20"
    rows = {r["upn"]: r for r in data["pupils"]}
    assert list(rows["A300000000001"]) == ["upn", "attendance_pct", "band", "lateness_level",
                                           "persistent", "severe", "penalty_threshold_met",
                                           "missing_education", "n_overdue", "n_replace_by",
                                           "band_period", "band_period_pct",
                                           "running_period", "running_pct"]
    assert rows["A300000000001"] == {
        "upn": "A300000000001", "attendance_pct": 100.0, "band": "green",
        "lateness_level": "none", "persistent": False, "severe": False,
        "penalty_threshold_met": False, "missing_education": [], "n_overdue": False,
        "n_replace_by": [], "band_period": "Autumn 1", "band_period_pct": 100.0,
        "running_period": "Autumn 2", "running_pct": 100.0}
    away = rows["A300000000002"]
    assert away["attendance_pct"] == 53.8  # 28 of 52 school days (3 Sep .. 20 Nov)
    assert away["band"] == "red"
    assert away["persistent"] is True
    assert away["severe"] is False  # 46.2% absent
    assert away["penalty_threshold_met"] is True
    assert {"missing_20_days", "absent_10_days"} <= set(away["missing_education"])
    # Lowther (the default) does not raise Wessex's signed-letter rule
    assert "signed_letter" not in away["missing_education"]
    assert (away["band_period"], away["running_pct"]) == ("Autumn 1", 0.0)


def test_alerts_table_and_bad_date(school, capsys):
    assert main(["alerts", "--data-dir", str(school), "--on", "2025-11-20"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Alerts on 20 Nov 2025: 2 pupils on roll"
    assert out[1].split() == ["upn", "attendance_pct", "band", "lateness_level", "persistent",
                              "severe", "penalty_threshold_met", "missing_education"]
    assert out[2].split()[:7] == ["A300000000002", "53.8", "red", "none", "yes", "no", "yes"]
    assert "missing_20_days," in out[2].split()  # sorted by class, then surname
    assert out[3].split() == ["A300000000001", "100.0", "green", "none", "no", "no", "no"]
    assert main(["alerts", "--data-dir", str(school), "--on", "20th"]) == 2
    assert "is not a date" in capsys.readouterr().err
