"""Reading CSV and tab-separated files as office software writes them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from attendance_desktop.services.errors import ImportRejected
from attendance_desktop.services.office_files import read_table


def test_quoted_delimiter_in_a_header_does_not_fool_the_sniffer(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text('kind;"name, full";start\nyear;"2025/26";\n', encoding="utf-8")
    table = read_table(path)
    assert table.delimiter == ";"
    assert table.headers == ["kind", "name, full", "start"]
    assert table.rows == [(2, ["year", "2025/26", ""])]


def test_a_cell_over_the_csv_limit_is_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("a,b\nx,y\nz," + "9" * (csv.field_size_limit() + 10) + "\n",
                    encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_table(path)
    assert str(caught.value.problems[0]).startswith("row 3: cannot read this row")


def test_windows_1252_and_a_stray_nul(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes("name\r\nZoë\r\n".encode("cp1252"))
    table = read_table(path)
    assert (table.encoding, table.rows) == ("Windows-1252", [(2, ["Zoë"])])
    path.write_bytes(b"name\r\nA\x00B\r\n")
    with pytest.raises(ImportRejected, match="not text"):
        read_table(path)
