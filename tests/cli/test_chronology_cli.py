"""attendance-desktop chronology export: CSV and PDF and the access log (main() in this
process: the same command without ~1 s of imports each), and, as a real process, one
plain line for a UPN that does not exist."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from pypdf import PdfReader

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.trackers import chronology_service
from tests.conftest import HEAD, clock_at
from tests.db.migration_tools import assert_one_line_fault, cli, in_process
from tests.services.tracker_data import add_pupil


def test_export_csv_and_pdf(tmp_path: Path, capfd) -> None:
    data = tmp_path / "data"
    engine = open_database(resolve_paths(data, environ={}))
    pid = add_pupil(engine, "Юлия", "Example", "A123456789012")
    clock_at(engine, dt.datetime(2025, 11, 20, 10, 0))
    chronology_service.add_entry(engine, HEAD, pid, "la_attendance", dt.date(2025, 11, 19),
                                 with_whom="LA attendance officer", outcome="Visit booked")
    chronology_service.add_entry(engine, HEAD, pid, "note", dt.date(2025, 11, 18),
                                 details="Phoned about lateness")
    engine.dispose()

    out = tmp_path / "chron.csv"
    done = in_process(capfd, "chronology", "export", "A123456789012", out, "--data-dir", data,
                      "--kind", "Referrals and notifications")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Saved 1 rows to {out}"
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][2] == "Юлия Example"
    assert rows[1][3] == "Referral to the LA attendance officer"

    pdf = tmp_path / "chron.pdf"
    done = in_process(capfd, "chronology", "export", "A123456789012", pdf, "--data-dir", data,
                      "--purpose", "referral")
    assert done.returncode == 0, done.stderr
    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "Юлия Example" in text
    assert "Phoned about lateness" in text

    done = cli("chronology", "export", "NOPE", out, "--data-dir", data)
    assert assert_one_line_fault(done).endswith("no pupil has the UPN NOPE")

    engine = open_database(resolve_paths(data, environ={}))
    log = [(e.what, e.kind, e.target) for e in audit_service.list_access(engine, HEAD)]
    engine.dispose()
    assert ("chronology CSV", "export", "chron.csv") in log
    assert ("chronology PDF", "print", "chron.pdf") in log
