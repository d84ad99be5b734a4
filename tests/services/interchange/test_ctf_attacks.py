"""Hostile XML is refused by defusedxml with one clear line, and nothing is saved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import func, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import CtfImport, Pupil
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.interchange import ctf_import
from attendance_desktop.services.interchange.ctf_parse import UnsafeXml
from tests.conftest import OFFICE
from tests.services import ctf_files as f

BODY = f.ctf(f.pupil()).split("\n", 1)[1]  # without the XML declaration
LAUGHS = ('<!DOCTYPE CTfile [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'
                    for i in range(2, 10)).replace("&lol1;", "&lol;")
          + "]>")
ATTACKS = {
    "billion laughs": (LAUGHS + BODY.replace("<Surname>Marwood</Surname>",
                                             "<Surname>&lol9;</Surname>", 1),
                       "declares XML entities (an entity-expansion attack is possible)"),
    "external entity": ('<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                        + BODY.replace("<Email>marwood", "<Email>&xxe;marwood", 1),
                        "declares an external entity"),
    "external DTD": ('<!DOCTYPE CTfile SYSTEM "http://example.com/ctf.dtd">' + BODY,
                     "refers to an external DTD"),
    "parameter entity": ('<!DOCTYPE CTfile [<!ENTITY % p SYSTEM "http://example.com/p.dtd">'
                         " %p;]>" + BODY, "declares an external entity"),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_is_refused_with_one_line_and_nothing_saved(engine, tmp_path, name):
    text, reason = ATTACKS[name]
    path = tmp_path / "attack.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + text, encoding="utf-8")
    for action in (lambda: ctf_import.preview(engine, path),
                   lambda: ctf_import.import_ctf(engine, path, actor=OFFICE,
                                                 today=dt.date(2026, 1, 14))):
        with pytest.raises(UnsafeXml) as info:
            action()
        message = str(info.value)
        assert "\n" not in message
        assert message.startswith("attack.xml: refused: ")
        assert reason in message
        assert message.endswith("nothing was imported")
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(Pupil)).one() == 0
        assert s.exec(select(func.count()).select_from(CtfImport)).one() == 0


def test_not_xml_or_not_a_ctf_is_one_line(engine, tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<CTfile><Header>", encoding="utf-8")
    with pytest.raises(ServiceError, match=r"not well-formed XML at line 1, column 17"):
        ctf_import.preview(engine, path)
    path.write_text("<Census/>", encoding="utf-8")
    with pytest.raises(ServiceError, match=r"root element is <Census>, not <CTfile>"):
        ctf_import.preview(engine, path)
    with pytest.raises(ServiceError, match="no such file"):
        ctf_import.preview(engine, tmp_path / "missing.xml")
