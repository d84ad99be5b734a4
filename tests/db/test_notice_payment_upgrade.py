"""A database from before notice payments were recorded (revision 0008) keeps its paid
notices' payment: the upgrade copies the status date and amount into the payment fields,
and an unpaid notice stays without a payment."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from attendance_desktop.db import migrate
from attendance_desktop.db.engine import make_engine
from tests.db.migration_tools import migrations_copy


def test_paid_notices_keep_their_payment_on_upgrade(tmp_path: Path) -> None:
    db_file = tmp_path / "old.sqlite3"
    later = tuple(f.name for f in (migrate.MIGRATIONS / "versions").glob("0*.py")
                  if f.name[:4] > "0008")
    old = migrations_copy(tmp_path / "old_migrations", without=later)
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        migrate.upgrade(engine, script_location=old)
        assert migrate.current_revision(engine) == "0008"
    finally:
        engine.dispose()
    con = sqlite3.connect(db_file, isolation_level=None)
    con.execute(
        "INSERT INTO pupil (id, legal_forename, legal_surname, preferred_forename,"
        " preferred_surname, dob, year_group, admission_date, sex, sen, fsm,"
        " pupil_premium, looked_after, child_in_need, eal, young_carer, ethnicity, notes,"
        " is_demo, upn, leaving_reason) VALUES (1, 'Old', 'Pupil', '', '', '2017-05-01', '3',"
        " '2021-09-01', '', 'N', 0, 0, 0, 0, 0, 0, '', '', 0, NULL, '')")
    con.execute("INSERT INTO contact (id, title, forename, surname, phone_mobile, phone_home,"
                " phone_work, email, address, postcode) VALUES (1, '', 'Pat', 'Parent', '',"
                " '', '', '', '', '')")
    con.execute("INSERT INTO penaltynotice (pupil_id, contact_id, issued_on, amount, status,"
                " status_date, notes, staff_name) VALUES (1, 1, '2024-01-10', 80, 'paid',"
                " '2024-01-31', '', 'Old Head'), (1, 1, '2025-03-03', 160, 'issued', NULL,"
                " '', 'Old Head')")
    con.close()
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    finally:
        engine.dispose()
    con = sqlite3.connect(db_file)
    rows = con.execute("SELECT status, paid_on, amount_paid FROM penaltynotice"
                       " ORDER BY issued_on").fetchall()
    con.close()
    assert rows == [("paid", "2024-01-31", 80), ("issued", None, None)]
