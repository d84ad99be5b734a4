"""The Pupils page (list and profile) and the Settings pages read on the serial worker:
while a (held back) read is under way the page says "Loading…" and takes no edits (no
Save on a half-filled form); the data comes in when the read ends, only the newest read
is shown, a page closed meanwhile drops the result and a failed read shows one plain line.
The reads are the real services, only made to wait (tests/gui/test_background_boards.Gate)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from shiboken6 import isValid

from attendance_desktop.gui.pupils.pupils_widget import LOADING_TEXT, PupilsWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.gui.settings.settings_widget import SettingsWidget
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.pupils import pupil_contacts, pupil_service
from attendance_desktop.services.school import policy_service, school_service
from tests.conftest import HEAD, OFFICE
from tests.gui.gates import Gate
from tests.services.register_school import OAK_NAMES, make_school


@pytest.fixture
def school(engine, school_year):  # type: ignore[no-untyped-def]
    return make_school(engine)


def _as(ctx: AppContext, actor) -> AppContext:  # type: ignore[no-untyped-def]
    return AppContext(paths=ctx.paths, engine=ctx.engine, actor=actor,
                      clock=lambda: dt.datetime(2025, 11, 20, 9, 5))


def test_pupil_list_loads_on_the_worker_and_the_newest_search_wins(qtbot, ctx, school,
                                                                    monkeypatch):
    gate = Gate(monkeypatch, pupil_service, "list_pupils")
    page = PupilsWidget(_as(ctx, OFFICE))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    assert gate.threads[0] is not threading.main_thread()  # read on the worker
    assert page.loading
    assert page.count.text() == LOADING_TEXT
    assert not page.table.isEnabled()
    assert not page.add_button.isEnabled()  # nothing to edit before the list has come
    assert page.search.isEnabled()  # typing goes on meanwhile
    qtbot.keyClicks(page.search, "vantr")  # each key asks again: only the last is shown
    gate.opened.set()
    assert wait_idle(10)
    assert all(t is not threading.main_thread() for t in gate.threads)
    assert len(gate.threads) == 2  # the first read, then the newest search (not each key)
    assert not page.loading
    assert page.names() == ["Cora Vantreigh"]
    assert page.count.text() == "1 shown (1 on roll)"
    assert page.table.isEnabled()
    assert page.add_button.isEnabled()
    assert page.klass.count() == 3  # All classes, Oak, Ash: read with the list
    assert [page.klass.itemText(i) for i in range(3)] == ["All classes", "Oak", "Ash"]


def test_profile_loads_on_the_worker_and_a_newer_choice_wins(qtbot, ctx, school,
                                                             monkeypatch):
    page = PupilsWidget(_as(ctx, OFFICE))
    qtbot.addWidget(page)
    page.show()
    assert wait_idle(10)
    gate = Gate(monkeypatch, pupil_service, "get_pupil")
    first, second = school.oak_pupils[0], school.oak_pupils[2]
    page.table.selectRow(page.model.row_of(first))  # Amber: her read is held back
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    profile = page.profile
    assert gate.threads[0] is not threading.main_thread()
    assert profile.pupil_id == first
    assert profile.loading
    assert profile.name.text() == f"<h2>{LOADING_TEXT}</h2>"
    assert not profile.isEnabled()  # no Edit, Leaving, contacts… on a record not yet read
    assert not profile.edit_button.isEnabled()
    page.show_pupil(second)  # chosen before Amber's read came back
    gate.opened.set()
    assert wait_idle(10)
    assert profile.pupil_id == second
    assert profile.name.text() == "<h2>{} {}</h2>".format(*OAK_NAMES[2])
    assert profile.isEnabled()
    assert profile.edit_button.isEnabled()
    assert profile.fields["dob"].text() == "01 March 2018"
    assert profile.contact_table.rowCount() == len(pupil_contacts.list_contacts(ctx.engine,
                                                                              second))
    assert [i.data(0x0100) for i in page.table.selectionModel().selectedRows()] == [second]


def test_a_profile_that_cannot_be_read_says_so_plainly(qtbot, ctx, school):
    page = PupilsWidget(_as(ctx, OFFICE))
    qtbot.addWidget(page)
    page.show()
    assert wait_idle(10)
    page.profile.show_pupil(999_999)  # a record removed meanwhile (e.g. by retention)
    assert wait_idle(10)
    profile = page.profile
    assert profile.message.text() == "that pupil's record no longer exists"
    assert "could not be read" in profile.name.text()
    assert not profile.isEnabled()


def test_pupils_page_closed_mid_load_drops_the_result(qtbot, ctx, school, monkeypatch):
    gate = Gate(monkeypatch, pupil_service, "list_pupils")
    page = PupilsWidget(_as(ctx, OFFICE))
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    loader = page.loader
    page.close()
    page.deleteLater()
    qtbot.waitUntil(lambda: not isValid(page), timeout=5000)
    gate.opened.set()
    assert wait_idle(10)
    assert not loader.signals.running


def test_settings_forms_fill_on_the_worker_and_save_waits_for_them(qtbot, ctx, school,
                                                                   monkeypatch):
    stored = policy_service.load_policy(ctx.engine)
    policy_service.save_policy(ctx.engine, HEAD, dataclasses.replace(stored, target_pct=97.0))
    policy_gate = Gate(monkeypatch, policy_service, "load_policy")
    school_gate = Gate(monkeypatch, school_service, "get_school")
    page = SettingsWidget(_as(ctx, HEAD))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitUntil(lambda: bool(school_gate.threads), timeout=5000)
    assert school_gate.threads[0] is not threading.main_thread()
    # only the tab on show is built (and reads); the others wait until they are chosen
    assert page.built_section("policy") is None
    # the school form and, queued behind it, the policy (its tab chosen meanwhile):
    # neither can be saved yet
    assert page.show_section("policy")
    school, policy, sessions = (page.section(k) for k in ("school", "policy", "sessions"))
    for tab in (school, policy, sessions):
        assert not tab.isEnabled()
        assert not tab.save_button.isEnabled()
    assert policy.result.text() == "Loading…"
    assert school.form.message.text() == "Loading…"
    assert page.tabs.isEnabled()  # the other tabs can be looked at meanwhile
    school_gate.opened.set()
    qtbot.waitUntil(lambda: bool(policy_gate.threads), timeout=5000)
    assert policy_gate.threads[0] is not threading.main_thread()
    qtbot.waitUntil(school.save_button.isEnabled, timeout=5000)
    assert not policy.save_button.isEnabled()
    policy_gate.opened.set()
    assert wait_idle(10)
    assert policy.save_button.isEnabled()
    assert policy.result.text() == ""
    assert policy.editor._editors["target_pct"].value() == 97.0  # what is stored
    assert all(t is not threading.main_thread() for t in policy_gate.threads)
    # saving the untouched form changes nothing (it held the stored policy, not blanks)
    policy.save_button.click()
    assert policy.result.text() == "No changes to save."
    assert policy_service.load_policy(ctx.engine).target_pct == 97.0
    log = page.section("log")
    assert wait_idle(10)
    assert log.table.rowCount() >= 1  # the change log, also read on the worker


def test_a_settings_read_that_fails_shows_a_plain_line(qtbot, ctx, school, monkeypatch):
    gate = Gate(monkeypatch, school_service, "recent_changes")
    page = SettingsWidget(_as(ctx, HEAD))
    qtbot.addWidget(page)
    page.show()
    log = page.section("log")  # built (and read) when first asked for
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    # the database file goes away under the read (a network drive dropped): the real
    # read then fails inside SQLite, not in the test
    db = ctx.paths.sqlite_file
    files = [db.with_name(db.name + tail) for tail in ("", "-wal", "-shm")]
    kept = [f for f in files if f.exists()]
    for f in kept:
        f.rename(f.with_name(f.name + ".away"))
    try:
        gate.opened.set()
        assert wait_idle(10)
    finally:
        for f in files:  # whatever SQLite made in the file's place
            f.unlink(missing_ok=True)
        for f in kept:
            f.with_name(f.name + ".away").rename(f)
    message = log.ui.changeLogMessage.text()
    assert message == "The change log could not be read: see the log."
    assert "Traceback" not in message
    assert not log.isEnabled()
    log.refresh()  # once the file is back, Refresh reads it
    assert wait_idle(10)
    assert log.isEnabled()
    assert log.ui.changeLogMessage.text() == ""


def test_the_profiles_what_if_figures_are_worked_out_on_the_worker(qtbot, ctx, school,
                                                                    monkeypatch):
    from attendance_desktop.services.trackers import whatif_service

    page = PupilsWidget(_as(ctx, OFFICE))
    qtbot.addWidget(page)
    page.show()
    assert wait_idle(10)
    gate = Gate(monkeypatch, whatif_service, "pupil_whatif")
    pid = school.ash_pupils[0]
    page.show_pupil(pid)
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    assert gate.threads[0] is not threading.main_thread()
    gate.opened.set()
    assert wait_idle(10)
    panel = page.profile.whatif
    expected = whatif_service.profile_lines(gate.real(ctx.engine, pid))
    assert panel.rows == expected
    assert panel.isVisible() == bool(expected)
