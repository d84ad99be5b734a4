"""National and local-authority figures: the DfE statistics file layout, all-or-nothing
import, typed-in figures, the look-up for a report's period, and the report itself.

The files are synthetic, written in the layout of the statistics service's "Pupil absence
in schools in England" underlying data (documented in domain/benchmarks.py and the README).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import BenchmarkFigure, SettingChange
from attendance_desktop.domain import benchmarks as rules
from attendance_desktop.domain.benchmarks import Figure
from attendance_desktop.services.errors import ImportRejected, PermissionDenied, ServiceError
from attendance_desktop.services.reports import benchmark_service, report_periods, report_service
from attendance_desktop.services.school import school_service
from tests.conftest import HEAD, OFFICE, clock_at

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,"
          "region_code,region_name,old_la_code,new_la_code,la_name,education_phase,"
          "num_schools,enrolments,sess_possible,sess_overall,sess_authorised,"
          "sess_unauthorised,sess_overall_percent,sess_authorised_percent,"
          "sess_unauthorised_percent,enrolments_pa_10_exact,enrolments_pa_10_exact_percent,"
          "enrolments_pa_50_exact,enrolments_pa_50_exact_percent")


def row(period: str, ident: str, level: str, la: str, name: str, phase: str,
        overall: str, auth: str = "3.1", unauth: str = "1.4", pa: str = "14.2",
        sa: str = "1.1") -> str:
    region = ("E12000005", "West Midlands") if level != "National" else ("", "")
    new_la = "E08000025" if la else ""
    return (f"{period},{ident},{level},E92000001,England,{region[0]},{region[1]},{la},"
            f"{new_la},{name},{phase},100,50000,9000000,400000,280000,120000,{overall},"
            f"{auth},{unauth},7000,{pa},500,{sa}")


def write(path: Path, lines: list[str], *, bom: bool = False, crlf: bool = False) -> Path:
    text = ("\r\n" if crlf else "\n").join([HEADER, *lines]) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


GOOD = [
    row("202425", "Academic year", "National", "", "", "State-funded primary", "5.5",
        pa="14.6", sa="1.3"),
    row("202425", "Academic year", "National", "", "", "State-funded secondary", "8.2"),
    row("202425", "Autumn term", "National", "", "", "State-funded primary", "4.9"),
    row("202425", "Autumn term", "Local authority", "330", "Birmingham",
        "State-funded primary", "5.8", pa=":", sa="c"),
    row("202425", "Autumn term", "Local authority", "331", "Coventry",
        "State-funded primary", "4.1"),
    row("202425", "Autumn term", "Regional", "", "", "State-funded primary", "5.0"),
    row("202324", "Academic year", "Local authority", "330", "Birmingham",
        "State-funded primary", "6.0"),
]


# --- the file layout ------------------------------------------------------------------


def test_national_and_one_authority_are_read_and_the_rest_skipped() -> None:
    header = HEADER.split(",")
    rows = [(i + 2, line.split(",")) for i, line in enumerate(GOOD)]
    parsed = rules.parse_rows(header, rows, la_code="330")
    assert not parsed.problems
    got = {(f.area, f.academic_year, f.period): f for f in parsed.figures}
    assert set(got) == {("national", "2024/25", "year"), ("national", "2024/25", "autumn"),
                        ("la", "2024/25", "autumn"), ("la", "2023/24", "year")}
    year = got[("national", "2024/25", "year")]
    assert (year.overall_absence_pct, year.attendance_pct) == (5.5, 94.5)
    assert (year.persistent_absence_pct, year.severe_absence_pct) == (14.6, 1.3)
    la = got[("la", "2024/25", "autumn")]
    assert la.area_name == "Birmingham"
    assert (la.persistent_absence_pct, la.severe_absence_pct) == (None, None)  # ":" and "c"
    assert "331 Coventry" in parsed.la_names


def test_a_bad_number_is_reported_with_its_row_and_column() -> None:
    header = HEADER.split(",")
    bad = row("202425", "Autumn term", "National", "", "", "State-funded primary", "4,9")
    cells = bad.split(",")
    cells[header.index("sess_overall_percent")] = "four"
    parsed = rules.parse_rows(header, [(2, cells)], la_code="")
    assert [(p.row, p.column) for p in parsed.problems] == [(2, "sess_overall_percent")]
    assert "'four' is not a number" in parsed.problems[0].message


@pytest.mark.parametrize(("text", "label"), [("202425", "2024/25"), ("2024/25", "2024/25"),
                                             ("2024-25", "2024/25"), ("199900", "1999/00")])
def test_academic_years(text: str, label: str) -> None:
    assert rules.academic_year_label(text) == label


def test_a_year_that_does_not_follow_on_is_refused() -> None:
    with pytest.raises(rules.BenchmarkError, match="not an academic year"):
        rules.academic_year_label("202427")


def test_report_terms_map_to_published_periods() -> None:
    assert rules.period_for_dates(["Autumn"]) == "autumn"
    assert rules.period_for_dates(["Autumn", "Spring"]) == "autumn_spring"
    assert rules.period_for_dates(["Autumn", "Spring", "Summer"]) == "year"
    assert rules.period_for_dates(["Summer"]) == "summer"


# --- importing -------------------------------------------------------------------------


def test_import_saves_every_figure_once_and_records_who(engine: Engine, tmp_path: Path) -> None:
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 0))
    path = write(tmp_path / "absence_rates.csv", GOOD, bom=True, crlf=True)  # as Excel saves
    preview, saved = benchmark_service.import_file(engine, HEAD, path, la_code="330")
    assert saved == len(preview.figures) == 4
    stored = benchmark_service.list_figures(engine)
    assert [(f.figure.academic_year, f.figure.period, f.figure.area) for f in stored] == [
        ("2024/25", "autumn", "national"), ("2024/25", "autumn", "la"),
        ("2024/25", "year", "national"), ("2023/24", "year", "la")]
    assert {f.source for f in stored} == {"absence_rates.csv"}
    assert {f.recorded_by for f in stored} == {HEAD.name}
    # the same file again changes nothing and logs nothing more
    _, again = benchmark_service.import_file(engine, HEAD, path, la_code="330")
    assert again == 0
    with session_scope(engine) as s:
        changes = s.exec(select(SettingChange).where(SettingChange.area == "benchmarks")).all()
    assert len(changes) == 4
    assert any(c.key == "National Whole year 2024/25" and "5.5%" in c.new_value
               for c in changes)


def test_one_bad_row_saves_nothing_and_says_where(engine: Engine, tmp_path: Path) -> None:
    lines = list(GOOD)
    lines[2] = lines[2].replace(",4.9,", ",n/a,")
    path = write(tmp_path / "figures.csv", lines)
    with pytest.raises(ImportRejected) as caught:
        benchmark_service.import_file(engine, HEAD, path, la_code="330")
    assert str(caught.value).startswith("figures.csv: row 4, column 'sess_overall_percent'")
    assert "nothing was imported" in str(caught.value)
    with session_scope(engine) as s:
        assert s.exec(select(BenchmarkFigure)).all() == []


def test_a_file_of_another_kind_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "pupils.csv"
    path.write_text("UPN,Surname,Forename\nA123,Smith,Ann\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="not a DfE pupil absence data file"):
        benchmark_service.import_file(engine, HEAD, path)


def test_a_file_without_our_phase_or_authority_says_so(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "secondary.csv", [GOOD[1]])
    with pytest.raises(ImportRejected, match="no State-funded primary rows for England"):
        benchmark_service.import_file(engine, HEAD, path, la_code="330")


def test_only_the_head_imports_or_types_figures(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", GOOD)
    with pytest.raises(PermissionDenied):
        benchmark_service.import_file(engine, OFFICE, path)
    with pytest.raises(PermissionDenied):
        benchmark_service.save_figure(engine, OFFICE, Figure("national", "England", "2024/25",
                                                             "year", 5.5))


def test_the_schools_authority_is_found_from_its_name(engine: Engine) -> None:
    details = school_service.get_school(engine).details
    school_service.save_school(engine, HEAD, dataclasses.replace(
        details, name=details.name or "Test School", local_authority="Birmingham"))
    assert benchmark_service.school_la_code(engine) == "330"


# --- typed in, and looked up for a report ---------------------------------------------------


def test_typed_in_figures_are_checked(engine: Engine) -> None:
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 0))
    with pytest.raises(ServiceError, match="between 0 and 100"):
        benchmark_service.save_figure(engine, HEAD, Figure("la", "Shire", "2024/25", "year",
                                                           105.0))
    benchmark_service.save_figure(engine, HEAD, Figure("la", "Shire", "202425", "year", 5.0))
    stored = benchmark_service.list_figures(engine)
    assert [(f.figure.academic_year, f.source) for f in stored] == [("2024/25", "typed in")]


def test_a_missing_period_falls_back_and_says_which_figure_it_is(engine: Engine) -> None:
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 0))
    for fig in (Figure("national", "England", "2024/25", "autumn", 4.9),
                Figure("national", "England", "2024/25", "year", 5.5),
                Figure("la", "Shire", "2023/24", "year", 6.0),
                Figure("national", "England", "2025/26", "autumn", 4.5)):
        benchmark_service.save_figure(engine, HEAD, fig)
    autumn = benchmark_service.figures_for(engine, "2025/26", "autumn")
    assert autumn["national"].exact
    assert autumn["national"].label() == "National"
    assert autumn["la"].label() == "Local authority (whole year 2023/24)"
    spring = benchmark_service.figures_for(engine, "2025/26", "spring")
    assert spring["national"].figure.period == "year"
    assert spring["national"].label() == "National (whole year 2024/25)"
    # never a later year's figure for an earlier report
    assert benchmark_service.figures_for(engine, "2022/23", "year") == {}


def test_the_report_sets_the_school_beside_the_figures_for_its_period(
        engine: Engine, school_year) -> None:  # type: ignore[no-untyped-def]
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 0))
    benchmark_service.save_figure(engine, HEAD, Figure("national", "England", "2025/26",
                                                       "autumn", 4.5))
    benchmark_service.save_figure(engine, HEAD, Figure("la", "Shire", "2024/25", "year", 6.0))
    autumn = next(p for p in report_periods.period_options(engine, dt.date(2025, 11, 20))
                  if p.kind == "term")
    assert report_periods.statistics_period(engine, autumn) == ("2025/26", "autumn")
    report = report_service.make_report(engine, autumn, today=dt.date(2025, 11, 20))
    shown = {b.label: b.value for b in report.benchmarks}
    assert shown["National"] == 95.5
    assert shown["Local authority (whole year 2024/25)"] == 94.0


def test_the_command_line_imports_and_lists(engine: Engine, paths, tmp_path: Path,
                                            capsys) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.__main__ import main

    engine.dispose()
    path = write(tmp_path / "Pupil absence (autumn).csv", GOOD)
    data = ["--data-dir", str(paths.data_dir)]
    assert main(["benchmarks", "import", str(path), "--la", "330", *data]) == 0
    assert "4 figures read, 4 new or changed" in capsys.readouterr().out
    assert main(["benchmarks", "list", *data]) == 0
    out = capsys.readouterr().out
    assert "2024/25  Whole year" in out
    assert "attendance  94.5%" in out
    bad = write(tmp_path / "bad.csv", [GOOD[0].replace(",5.5,", ",?,")])
    assert main(["benchmarks", "import", str(bad), *data]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "bad.csv: row 2, column 'sess_overall_percent'" in err[0]
