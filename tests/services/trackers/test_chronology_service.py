"""The pupil chronology: entries, corrections, append-only, families, search, PDF and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    LeaveDecision,
    LeaveRequest,
    PupilContact,
)
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.letters import letter_service
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.register import integrity_service
from attendance_desktop.services.today import dashboard_service
from attendance_desktop.services.trackers import (
    chronology_output,
    chronology_service,
    tracker_service,
)
from tests.conftest import HEAD, OFFICE, clock_at, put_marks
from tests.services.tracker_data import add_pupil

D = dt.date
NOW = dt.datetime(2025, 11, 20, 10, 0)
TEACHER = Actor("Test Teacher", Role.TEACHER)
READONLY = Actor("Test Governor", Role.READONLY)


def _parent(engine: Engine, pupils: list[int], name: str, pr: bool = True) -> int:
    with session_scope(engine) as s:
        c = Contact(title="Ms", forename=name, surname="Example", address="1 Road",
                    postcode="AB1 2CD")
        s.add(c)
        s.flush()
        assert c.id is not None
        for p in pupils:
            s.add(PupilContact(pupil_id=p, contact_id=c.id, relationship="Mother",
                               parental_responsibility=pr))
        return c.id


@pytest.fixture
def family(engine: Engine, school_year: object) -> dict[str, int]:
    """Ana and her brother Ben share a mother; Ben's father also parents Cal (a
    half-brother); Dee is unrelated; Eve shares only a contact without parental
    responsibility with Ana."""
    ids = {
        "ana": add_pupil(engine, "Ana", "Щербакова", "A200", dob=D(2017, 3, 1)),
        "ben": add_pupil(engine, "Ben", "Example", "B200", dob=D(2019, 6, 1)),
        "cal": add_pupil(engine, "Cal", "Other", "C200", dob=D(2018, 1, 1)),
        "dee": add_pupil(engine, "Dee", "Apart", "D200"),
        "eve": add_pupil(engine, "Eve", "Near", "E200"),
    }
    ids["mother"] = _parent(engine, [ids["ana"], ids["ben"]], "Mum")
    ids["father"] = _parent(engine, [ids["ben"], ids["cal"]], "Dad")
    _parent(engine, [ids["ana"], ids["eve"]], "Childminder", pr=False)
    clock_at(engine, NOW)
    return ids


def test_family_is_linked_through_parental_responsibility(engine: Engine,
                                                          family: dict[str, int]) -> None:
    got = chronology_service.family_of(engine, family["cal"])
    assert got[0] == family["cal"]
    assert set(got) == {family["ana"], family["ben"], family["cal"]}
    assert got[1:] == [family["ana"], family["ben"]]  # eldest first
    assert chronology_service.family_of(engine, family["dee"]) == [family["dee"]]
    assert family["eve"] not in chronology_service.family_of(engine, family["ana"])


def test_an_entry_records_who_and_when_from_the_actor_and_the_clock(
        engine: Engine, family: dict[str, int]) -> None:
    eid = chronology_service.add_entry(engine, OFFICE, family["ana"], "meeting", D(2025, 11, 18),
                                       with_whom="Mother", outcome="Agreed a plan",
                                       details="Met about Ana's mornings")
    e = chronology_service.entry(engine, eid)
    assert (e.staff_name, e.staff_role, e.recorded_at) == ("Test Office", "office", NOW)
    [item] = [i for i in chronology_service.timeline(engine, family["ana"]).items
              if i.entry_id == eid]
    assert item.who_text == "Test Office (Office staff)"
    assert item.outcome == "Agreed a plan"
    assert item.with_whom == "Mother"


def test_who_may_add_and_what_is_refused(engine: Engine, family: dict[str, int]) -> None:
    for actor in (READONLY, Actor("Attendance Desktop (system)", Role.SYSTEM)):
        with pytest.raises(PermissionDenied):
            chronology_service.add_entry(engine, actor, family["ana"], "note", D(2025, 11, 18),
                                         details="x")
    chronology_service.add_entry(engine, TEACHER, family["ana"], "note", D(2025, 11, 18),
                                 details="Said she was tired")
    with pytest.raises(ServiceError, match="not a kind"):
        chronology_service.add_entry(engine, HEAD, family["ana"], "gossip", D(2025, 11, 18),
                                     details="x")
    with pytest.raises(ServiceError, match="future"):
        chronology_service.add_entry(engine, HEAD, family["ana"], "note", D(2025, 11, 21),
                                     details="x")
    with pytest.raises(ServiceError, match="what happened"):
        chronology_service.add_entry(engine, HEAD, family["ana"], "note", D(2025, 11, 18),
                                     details="  ")


def test_entries_are_append_only_and_corrections_point_back(
        engine: Engine, paths: AppPaths, family: dict[str, int]) -> None:
    first = chronology_service.add_entry(engine, HEAD, family["ana"], "early_help",
                                         D(2025, 11, 10), with_whom="Early Help hub",
                                         details="Referral made")
    # the service offers no way to edit or delete
    assert not [n for n in dir(chronology_service) if n.startswith(("update", "delete",
                                                                     "edit", "remove"))]
    # and the database refuses both, through the app's engine and a plain connection
    for statement in ("UPDATE chronologyentry SET details = 'changed'",
                      "DELETE FROM chronologyentry"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    con = sqlite3.connect(paths.sqlite_file)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE chronologyentry SET outcome = 'x'")
    con.close()
    # the outcome arrives later: a new entry pointing at the first
    second = chronology_service.add_entry(engine, HEAD, family["ana"], "early_help",
                                          D(2025, 11, 10), with_whom="Early Help hub",
                                          outcome="Accepted: family worker allocated",
                                          details="Referral made", corrects_id=first)
    assert chronology_service.entry(engine, first).corrected_by == (second,)
    items = {i.entry_id: i for i in chronology_service.timeline(engine, family["ana"]).items
             if i.entry_id}
    assert "corrected by #" + str(second) in items[first].title
    assert f"corrects entry #{first}" in items[second].title
    # a correction must point at an entry of the same pupil
    with pytest.raises(ServiceError, match="not in this pupil"):
        chronology_service.add_entry(engine, HEAD, family["ben"], "note", D(2025, 11, 10),
                                     details="x", corrects_id=first)
    # the termly return sees the latest version only, unless asked for all
    got = chronology_service.entries_between(engine, ["early_help", "cme"], D(2025, 9, 1),
                                             D(2025, 12, 19))
    assert [e.id for e in got] == [second]
    every = chronology_service.entries_between(engine, ["early_help"], D(2025, 9, 1),
                                               D(2025, 12, 19), latest_only=False)
    assert [e.id for e in every] == [first, second]
    assert chronology_service.entries_between(engine, ["early_help"], D(2025, 11, 11),
                                              D(2025, 12, 19)) == []
    # entries are chained: the register check covers them and is clean
    assert integrity_service.check(engine, record=False).ok


def test_an_entry_altered_behind_the_apps_back_is_caught(
        engine: Engine, paths: AppPaths, family: dict[str, int]) -> None:
    eid = chronology_service.add_entry(engine, HEAD, family["ana"], "dsl", D(2025, 11, 12),
                                       details="Concern passed on")
    con = sqlite3.connect(paths.sqlite_file, isolation_level=None)
    con.execute("DROP TRIGGER chronologyentry_no_update")
    con.execute(f"UPDATE chronologyentry SET details = 'nothing' WHERE id = {eid}")
    con.close()
    found = integrity_service.check(engine, record=False)
    assert not found.ok
    assert any(f"Chronology entry {eid} was altered after it was written" in p
               for p in found.problems)
    assert any("chronologyentry_no_update" in p for p in found.problems)


def _records(engine: Engine, family: dict[str, int]) -> None:
    """Calls, a letter, a tracker step, a notice, a leave decision and marks."""
    ana, ben = family["ana"], family["ben"]
    put_marks(engine, HEAD, [(ana, D(2025, 11, 3), "AM", "O"), (ana, D(2025, 11, 3), "PM", "O"),
                             (ana, D(2025, 11, 4), "AM", "I"), (ana, D(2025, 11, 5), "AM", "/"),
                             (ben, D(2025, 11, 5), "AM", "/")])
    clock_at(engine, NOW)
    dashboard_service.log_call(engine, OFFICE, ana, family["mother"], "reason given",
                               "Said Ana had a cold", now=dt.datetime(2025, 11, 4, 9, 5))
    tracker_service.set_stage(engine, HEAD, ana, "letter", "RAG letter sent",
                              now=dt.datetime(2025, 11, 6, 15, 0))
    tracker_service.issue_notice(engine, HEAD, ana, family["mother"], D(2025, 11, 7),
                                 "First notice", now=dt.datetime(2025, 11, 7, 12, 0))
    letter_service.record_letter(engine, HEAD, "half_termly_report", [ana, ben],
                                 today=D(2025, 11, 19))
    with session_scope(engine) as s:
        req = LeaveRequest(pupil_id=ben, requested_by="Mum", received_date=D(2025, 11, 1),
                           first_date=D(2026, 2, 2), last_date=D(2026, 2, 6), ground="C",
                           reason="holiday", status="refused")
        s.add(req)
        s.flush()
        s.add(LeaveDecision(request_id=req.id, outcome="refused", decided_on=D(2025, 11, 3),
                            decided_at=dt.datetime(2025, 11, 3, 16, 0),
                            reasons="Not exceptional", staff_name="Test Head",
                            staff_role="head"))


def test_the_timeline_reads_every_record_in_date_order(engine: Engine,
                                                       family: dict[str, int]) -> None:
    _records(engine, family)
    chronology_service.add_entry(engine, OFFICE, family["ana"], "note", D(2025, 11, 4),
                                 details="Mum rang back")
    tl = chronology_service.timeline(engine, family["ana"])
    kinds = {i.kind for i in tl.items}
    assert {"marks", "absence_week", "call", "letter", "tracker", "penalty", "note"} <= kinds
    assert "leave" not in kinds  # Ben's leave: only in the family view
    days = [i.on for i in tl.items]
    assert days == sorted(days)
    call = next(i for i in tl.items if i.kind == "call")
    assert (call.who, call.with_whom, call.outcome) == ("Test Office", "Mum Example",
                                                        "reason given")
    week = next(i for i in tl.items if i.kind == "absence_week")
    assert week.title == "Week of 03 Nov 2025: 3 sessions absent"
    assert week.details == "Mon AM O, Mon PM O, Tue AM I"
    marks = [i for i in tl.items if i.kind == "marks"]
    assert [m.title for m in marks] == ["Autumn 2 2025/26 so far: attendance 25.0%"]
    tracker = next(i for i in tl.items if i.kind == "tracker")
    assert tracker.who_text == "Test Head (Headteacher / attendance lead)"


def test_the_family_view_merges_siblings_and_shows_a_family_letter_once(
        engine: Engine, family: dict[str, int]) -> None:
    _records(engine, family)
    chronology_service.add_entry(engine, OFFICE, family["cal"], "meeting", D(2025, 11, 12),
                                 with_whom="Dad", outcome="Will bring Cal on time")
    tl = chronology_service.timeline(engine, family["ana"], family=True)
    assert set(tl.pupil_ids) == {family["ana"], family["ben"], family["cal"]}
    letters = [i for i in tl.items if i.kind == "letter"]
    assert len(letters) == 1
    assert "Ana" in letters[0].pupil
    assert "Ben" in letters[0].pupil
    assert any(i.kind == "leave" and i.pupil == "Ben Example" for i in tl.items)
    assert any(i.kind == "meeting" and i.pupil == "Cal Other" for i in tl.items)
    assert tl.title() == "Ana Щербакова, Cal Other and Ben Example"  # eldest first after Ana
    # Dee's record never appears
    assert all(i.pupil_id != family["dee"] for i in tl.items)


def test_search_by_words_and_kinds(engine: Engine, family: dict[str, int]) -> None:
    _records(engine, family)
    chronology_service.add_entry(engine, OFFICE, family["ana"], "social_care",
                                 D(2025, 11, 14), with_whom="Front door",
                                 outcome="No further action", details="Referral about neglect")
    tl = chronology_service.timeline(engine, family["ana"], text="COLD mum")
    assert [i.kind for i in tl.items] == ["call"]
    assert tl.total > len(tl.items)
    only = chronology_service.FILTERS["Referrals and notifications"]
    tl = chronology_service.timeline(engine, family["ana"], kinds=only)
    assert [i.kind for i in tl.items] == ["social_care"]
    tl = chronology_service.timeline(engine, family["ana"], text="further",
                                     kinds=chronology_service.FILTERS["Calls"])
    assert tl.items == ()
    tl = chronology_service.timeline(engine, family["ana"], text="щербакова")
    assert len(tl.items) == tl.total  # the name is searchable in any alphabet


def test_pdf_and_csv_with_a_non_latin_name_and_the_access_log(
        engine: Engine, family: dict[str, int], tmp_path: Path) -> None:
    _records(engine, family)
    chronology_service.add_entry(engine, HEAD, family["ana"], "cme", D(2025, 11, 19),
                                 with_whom="LA CME officer", outcome="Acknowledged",
                                 details="=HYPERLINK(\"http://x\",\"y\") typed by mistake")
    tl = chronology_service.timeline(engine, family["ana"], family=True)
    pdf_path = tmp_path / "chronology.pdf"
    pages = chronology_output.write_pdf(engine, HEAD, tl, pdf_path, purpose="referral")
    reader = PdfReader(str(pdf_path))
    assert len(reader.pages) == pages >= 1
    words = "".join(p.extract_text() for p in reader.pages)
    assert "Щербакова" in words
    assert "Prepared for a referral" in words
    assert "Children missing education notification to the LA" in words
    csv_path = tmp_path / "chronology.csv"
    rows = chronology_output.write_csv(engine, HEAD, tl, csv_path)
    read = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert read[0] == chronology_output.CSV_HEADERS
    assert len(read) == rows + 1
    assert any(r[7].startswith("'=HYPERLINK") for r in read[1:])  # formula guarded
    assert any("Щербакова" in r[2] for r in read[1:])
    log = audit_service.list_access(engine, HEAD)
    whats = {(e.what, e.kind, e.target, e.pupils) for e in log}
    assert ("chronology PDF", "print", "chronology.pdf", 3) in whats
    assert ("chronology CSV", "export", "chronology.csv", 3) in whats
