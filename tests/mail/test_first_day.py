"""First-day absence messages: template merge, preview, queue, send, the call log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import AccessLog, CallLog
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.mail import absence, sender
from tests.conftest import OFFICE, clock_at
from tests.mail.mail_fixtures import Inbox
from tests.mail.test_outbox import NOW, TODAY, configure, school_with_emails


def test_first_day_messages_from_the_edited_template(built_once, engine: Engine, inbox: Inbox,
                                                     file_keyring: object) -> None:
    ids = school_with_emails(engine, built_once)
    configure(engine, inbox.port)
    with pytest.raises(ServiceError, match="unknown merge field"):
        absence.save_template(engine, OFFICE, "first_day", "{child_name}", "Hi {childs_name}")
    absence.save_template(engine, OFFICE, "first_day", "{child_name} is absent today",
                          "Dear {parent_name},\n{child_forename} is not here on {date}."
                          " Please ring {school_phone}.")
    items = absence.preview(engine, "first_day", [ids["cara"], ids["eve"]], TODAY)
    assert [(i.child_name, i.recipient) for i in items] == [
        ("Cara Other", "kim@other.example"), ("Cara Other", "ian@far.example"),
        ("Eve Alone", "")]  # Eve: nobody to email, the office rings
    assert items[0].body == ("Dear Ms Kim Other,\nCara is not here on Thursday 20 November"
                             " 2025. Please ring 01234 567890.\n")
    queued = absence.queue_messages(engine, OFFICE, items)
    assert len(queued) == 2
    with session_scope(engine) as s:
        (access,) = s.exec(select(AccessLog).where(AccessLog.what.contains("first-day")))
        assert access.staff_name == OFFICE.name
    clock_at(engine, NOW + dt.timedelta(minutes=1))
    assert sender.flush(engine).sent == 2
    got = {m.rcpt_tos[0]: m.message for m in inbox.messages}
    assert got["kim@other.example"]["Subject"] == "Cara Other is absent today"
    assert "Cara is not here" in got["kim@other.example"].get_content()
    with session_scope(engine) as s:
        calls = [(c.method, c.outcome, c.notes) for c in s.exec(
            select(CallLog).where(CallLog.pupil_id == ids["cara"]).order_by(CallLog.id))]
    assert calls == [("email", "email queued", "to kim@other.example"),
                     ("email", "email queued", "to ian@far.example"),
                     ("email", "email sent", "to kim@other.example"),
                     ("email", "email sent", "to ian@far.example")]
