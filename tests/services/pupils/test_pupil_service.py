from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.pupils import class_service, pupil_contacts, pupil_service
from attendance_desktop.services.pupils.pupil_contacts import ContactInput, LinkInput
from attendance_desktop.services.pupils.pupil_service import PupilInput
from attendance_desktop.services.reports.stats_service import Scope, totals
from tests.conftest import HEAD, OFFICE, put_marks

TODAY = dt.date(2025, 11, 20)
UPN = with_check_letter("823200125001")


def _pupil(**kw):
    base = dict(legal_forename="Ada", legal_surname="Lovel", dob=dt.date(2018, 3, 4),
                year_group="2", admission_date=dt.date(2022, 9, 5))
    return PupilInput(**{**base, **kw})


def test_add_search_by_name_upn_or_class_and_move(engine):
    oak = class_service.save_class(engine, HEAD, "Oak")
    ash = class_service.save_class(engine, HEAD, "Ash")
    ada = pupil_service.add_pupil(engine, OFFICE, _pupil(upn=UPN, class_id=oak), TODAY)
    pupil_service.add_pupil(engine, OFFICE, _pupil(legal_forename="Ben", legal_surname="Khan",
                                                   preferred_forename="Benny", class_id=ash),
                            TODAY)
    assert [p.name for p in pupil_service.list_pupils(engine, "lovel")] == ["Ada Lovel"]
    assert [p.name for p in pupil_service.list_pupils(engine, UPN.lower())] == ["Ada Lovel"]
    assert [p.name for p in pupil_service.list_pupils(engine, "ash")] == ["Benny Khan"]
    assert [p.name for p in pupil_service.list_pupils(engine, "ben khan")] == ["Benny Khan"]
    assert [p.name for p in pupil_service.list_pupils(engine, class_id=oak)] == ["Ada Lovel"]
    pupil_service.move_class(engine, OFFICE, ada, ash)
    assert pupil_service.get_pupil(engine, ada).class_name == "Ash"


def test_bad_input_names_each_field_and_saves_nothing(engine):
    bad = _pupil(legal_surname="", upn="A12345678901B", year_group="9",
                 dob=dt.date(2026, 1, 1))
    with pytest.raises(ServiceError) as info:
        pupil_service.add_pupil(engine, OFFICE, bad, TODAY)
    text = str(info.value)
    for field in ("Legal surname", "UPN", "Year group", "Date of birth"):
        assert field in text
    assert pupil_service.list_pupils(engine, include_leavers=True) == []
    pupil_service.add_pupil(engine, OFFICE, _pupil(upn=UPN), TODAY)
    with pytest.raises(ServiceError, match="already belongs to Ada Lovel"):
        pupil_service.add_pupil(engine, OFFICE, _pupil(upn=UPN, legal_forename="Eve"), TODAY)


def test_leaver_is_kept_and_still_reported(engine, school_year):
    pid = pupil_service.add_pupil(engine, OFFICE, _pupil(), TODAY)
    put_marks(engine, HEAD, [(pid, dt.date(2025, 11, 17), "AM", "/"),
                             (pid, dt.date(2025, 11, 17), "PM", "O")])
    with pytest.raises(ServiceError, match="Leaving reason"):
        pupil_service.leave(engine, OFFICE, pid, dt.date(2025, 11, 18), " ")
    pupil_service.leave(engine, OFFICE, pid, dt.date(2025, 11, 18), "Moved away")
    assert pupil_service.list_pupils(engine) == []
    leavers = pupil_service.list_pupils(engine, include_leavers=True)
    assert [(p.name, p.leaving_date) for p in leavers] == [("Ada Lovel", dt.date(2025, 11, 18))]
    counts = totals(engine, school_year.start, TODAY, Scope(pupil_ids=(pid,)))
    assert (counts.possible, counts.attended) == (2, 1)
    summary = pupil_service.attendance_summary(engine, pid, TODAY)
    assert summary is not None
    assert summary.counts.attendance_pct() == 50.0
    assert pupil_service.get_pupil(engine, pid).leaving_reason == "Moved away"


def test_contacts_in_priority_order_and_emergency_warning(engine):
    pid = pupil_service.add_pupil(engine, OFFICE, _pupil(), TODAY)
    assert "Only 0 emergency contacts" in pupil_contacts.emergency_warning(engine, pid)
    mum = pupil_contacts.add_contact(engine, OFFICE, pid, ContactInput("Lovel", "Mary"),
                                     LinkInput("Mother", 1))
    assert "Only 1 emergency contact" in pupil_contacts.emergency_warning(engine, pid)
    pupil_contacts.add_contact(engine, OFFICE, pid, ContactInput("Lovel", "Gran"),
                               LinkInput("Grandparent", 1, parental_responsibility=False))
    links = pupil_contacts.list_contacts(engine, pid)
    assert [(c.contact.forename, c.link.priority) for c in links] == [("Gran", 1), ("Mary", 2)]
    assert pupil_contacts.emergency_warning(engine, pid) is None
    pupil_contacts.move_contact(engine, OFFICE, links[1].link_id, up=True)
    assert [c.contact.forename for c in pupil_contacts.list_contacts(engine, pid)] == [
        "Mary", "Gran"]
    gran = pupil_contacts.list_contacts(engine, pid)[1]
    pupil_contacts.update_contact(engine, OFFICE, gran.link_id, gran.contact,
                                  dataclasses.replace(gran.link, emergency_contact=False))
    assert "Only 1" in pupil_contacts.emergency_warning(engine, pid)
    sib = pupil_service.add_pupil(engine, OFFICE, _pupil(legal_forename="Tom"), TODAY)
    pupil_contacts.link_contact(engine, OFFICE, sib, mum, LinkInput("Mother"))
    assert pupil_contacts.list_contacts(engine, pid)[0].other_pupils == 1
    pupil_contacts.remove_link(engine, OFFICE, gran.link_id)
    assert [c.contact.forename for c in pupil_contacts.list_contacts(engine, pid)] == ["Mary"]


def test_teachers_and_readonly_cannot_change_pupils(engine):
    pid = pupil_service.add_pupil(engine, OFFICE, _pupil(), TODAY)
    for role in (Role.TEACHER, Role.READONLY):
        who = Actor("X", role)
        with pytest.raises(PermissionDenied):
            pupil_service.add_pupil(engine, who, _pupil(legal_forename="Z"), TODAY)
        with pytest.raises(PermissionDenied):
            pupil_service.leave(engine, who, pid, TODAY, "moved")
    with pytest.raises(ServiceError, match="PNG"):
        pupil_service.set_photo(engine, OFFICE, pid, b"GIF89a")
    pupil_service.set_photo(engine, OFFICE, pid, b"\x89PNG\r\n\x1a\n1234")
    assert pupil_service.get_pupil(engine, pid).has_photo
