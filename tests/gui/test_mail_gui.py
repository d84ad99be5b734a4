"""Email screens against a real loopback SMTP server: the mail settings page and its test
message, "Email where we can, print the rest" on the Letters page, the Outbox view, and
first-day messages from the Today board's list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from attendance_desktop.gui.letters.letters_widget import LettersWidget
from attendance_desktop.gui.mail.first_day_dialog import FirstDayDialog
from attendance_desktop.gui.mail.outbox_widget import OutboxWidget
from attendance_desktop.gui.settings.settings_widget import SettingsWidget
from attendance_desktop.services.mail import credentials, outbox
from attendance_desktop.services.mail.settings import get_settings
from attendance_desktop.services.today import dashboard_service
from tests.gui.conftest import save_screenshot
from tests.mail import mail_fixtures as mf
from tests.mail.test_outbox import configure, school_with_emails


@pytest.fixture
def server() -> Iterator[mf.SmtpServer]:
    s = mf.SmtpServer(mf.free_port())
    yield s
    s.stop()


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Any]:
    yield from mf.file_keyring.__wrapped__(tmp_path)  # type: ignore[attr-defined]


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"information": [], "warning": [], "question": []}

    def record(kind: str, answer: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def box(_parent, _title, text, *a, **k):  # type: ignore[no-untyped-def]
            seen[kind].append(text)
            return answer
        return box

    monkeypatch.setattr(QMessageBox, "information", record("information",
                                                          QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "warning", record("warning", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question", record("question",
                                                       QMessageBox.StandardButton.Yes))
    return seen


def test_mail_settings_page_saves_and_sends_a_test(qtbot, ctx, server, store) -> None:  # type: ignore[no-untyped-def]
    inbox = server.start()
    w = SettingsWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    assert w.show_section("mail")
    page = w.section("mail")
    page.host.setText("smtp.school.example")
    page.security.setCurrentIndex(page.security.findData("none"))
    page.account.setText(mf.ACCOUNT)
    assert "password would cross the network" in page.message.text()
    page.host.setText("127.0.0.1")
    page.port.setValue(inbox.port)
    page.password.setText(mf.PASSWORD)
    page.from_address.setText("office@hillside.example")
    page.from_name.setText("Hillside Primary School")
    page.reply_to.setText("attendance@hillside.example")
    assert page.save()
    assert "Email settings saved" in page.message.text()
    assert page.password.text() == ""  # not left in the form
    cfg = get_settings(ctx.engine)
    assert (cfg.host, cfg.port, cfg.security) == ("127.0.0.1", inbox.port, "none")
    assert credentials.get_password(cfg) == mf.PASSWORD
    assert "credential store" in page.store.text()
    page.test_to.setText("head@hillside.example")
    page.test_button.click()
    qtbot.waitUntil(lambda: not page.task.running, timeout=15000)
    assert "Test message sent to head@hillside.example" in page.test_result.text()
    assert [m.rcpt_tos for m in inbox.messages] == [["head@hillside.example"]]
    assert inbox.logins == [(mf.ACCOUNT, mf.PASSWORD)]
    save_screenshot(w, "mail_settings")


def test_settings_page_says_when_there_is_no_safe_store(qtbot, ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    before = keyring.get_keyring()
    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "plain.cfg")
    keyring.set_keyring(kr)  # what keyring picks on a headless Linux PC
    try:
        w = SettingsWidget(ctx)
        qtbot.addWidget(w)
        page = w.section("mail")
        assert "no safe password store" in page.store.text()
        for name, value in (("host", "127.0.0.1"), ("account", "office"),
                            ("from_address", "office@hillside.example")):
            getattr(page, name).setText(value)
        page.security.setCurrentIndex(page.security.findData("none"))
        page.password.setText("secret-for-now")
        assert page.save()
        assert "for this session only" in page.message.text()
        assert not (tmp_path / "plain.cfg").exists()
    finally:
        keyring.set_keyring(before)
        credentials.forget_session()


def test_letters_by_email_then_the_outbox(built_once, qtbot, ctx, server, store, boxes) -> None:  # type: ignore[no-untyped-def]
    ids = school_with_emails(ctx.engine, built_once)
    configure(ctx.engine, server.inbox.port)  # the server is down for now
    w = LettersWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    send = w.send
    send.select_template("half_termly_report")
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("all"))
    send.tick_pupils(list(ids.values()))
    choice = send.email_choice
    assert choice.check.isEnabled()
    choice.check.setChecked(True)
    qtbot.waitUntil(lambda: choice.summary.text().startswith("By email"), timeout=5000)
    assert choice.summary.text() == ("By email: 3 letters to 4 addresses. On paper: 2"
                                     " letters.")
    save_screenshot(w, "mail_letters_choice")
    from attendance_desktop.gui.letters.email_choice import DeliveryDialog

    who = DeliveryDialog(w, choice.delivery)
    qtbot.addWidget(who)
    assert who.table.rowCount() == 5
    who.show()
    save_screenshot(who, "mail_who_gets_what")
    who.close()
    send.make_letters()
    qtbot.waitUntil(lambda: not send.task.running, timeout=30000)
    assert "3 letters queued as 4 emails" in boxes["information"][-1]
    assert send.print_button.isEnabled()
    assert sorted(x.pupil_names for x in send.plan.letters) == [("Dan Split",), ("Eve Alone",)]

    # The Outbox: Send now while the server is down.
    w.tabs.setCurrentWidget(w.outbox)
    box = w.outbox
    assert box.table.rowCount() == 4
    box.send_button.click()
    qtbot.waitUntil(lambda: not box.pump.running, timeout=15000)
    assert "refused the connection" in box.status.text()
    assert {box.table.item(r, 0).text() for r in range(4)} == {"Waiting"}
    assert {box.table.item(r, 3).text() for r in range(4)} == {"1"}
    assert "refused the connection" in box.table.item(0, 6).text()
    save_screenshot(w, "mail_outbox_waiting")
    # Cancel one (after confirming), retry another once the server is back.
    box.table.selectRow(3)
    assert box.cancel_button.isEnabled()
    box.cancel_button.click()
    assert boxes["question"]
    inbox = server.start()
    box.table.selectRow(0)
    box.retry_button.click()  # due now, and Send now starts
    qtbot.waitUntil(lambda: not box.pump.running, timeout=15000)
    assert len(inbox.messages) == 1
    statuses = sorted(box.table.item(r, 0).text() for r in range(4))
    assert statuses == ["Cancelled", "Sent", "Waiting", "Waiting"]
    save_screenshot(w, "mail_outbox")
    # The letters log says how each letter went.
    w.tabs.setCurrentWidget(w.log)
    w.log.refresh()
    save_screenshot(w, "mail_letters_log")
    rows = sorted((w.log.table.item(r, 2).text(), w.log.table.item(r, 5).text())
                  for r in range(w.log.table.rowCount()))
    how = dict(rows)
    assert [h for p, h in rows if p == "Dan Split"] == ["al@split.example: sent 20/11 09:40",
                                                       "paper"]
    assert how["Eve Alone"] == "paper"
    assert "jo@home.example: cancelled" in how["Amy Example and Ben Example"]
    assert "kim@other.example: waiting (1 try so far" in how["Cara Other"]


def test_first_day_messages_from_the_today_list(built_once, qtbot, ctx, server, store) -> None:  # type: ignore[no-untyped-def]
    inbox = server.start()
    ids = school_with_emails(ctx.engine, built_once)
    configure(ctx.engine, inbox.port)
    absentees = [dashboard_service.Absentee(ids["cara"], "Cara Other", "Oak", "N", (), ()),
                 dashboard_service.Absentee(ids["eve"], "Eve Alone", "Ash", "N", (), ())]
    d = FirstDayDialog(ctx, absentees)
    qtbot.addWidget(d)
    assert d.ticked() == [ids["cara"], ids["eve"]]
    d.body.setPlainText("Dear {parent_name}, where is {child_forename} on {date}?"
                        " Ring {school_phone}.")
    d.refresh_preview()
    assert "Dear Ms Kim Other, where is Cara on Thursday 20 November 2025?" \
        in d.preview.toPlainText()
    assert "Eve Alone: ring instead" in d.note.text()
    d.show()
    save_screenshot(d, "mail_first_day")
    d.pupils.item(1).setCheckState(Qt.CheckState.Unchecked)
    d.queue()
    assert len(d.queued) == 2  # Cara's mother and father
    rows = outbox.list_messages(ctx.engine)
    assert {r.kind for r in rows} == {"first_day"}
    b = OutboxWidget(ctx)
    qtbot.addWidget(b)
    b.send_now()
    qtbot.waitUntil(lambda: not b.pump.running, timeout=15000)
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["ian@far.example",
                                                            "kim@other.example"]


def test_the_background_sender_flushes_on_its_timer(built_once, qtbot, ctx, server, store) -> None:  # type: ignore[no-untyped-def]
    from attendance_desktop.gui.mail.pump import MailPump

    inbox = server.start()
    ids = school_with_emails(ctx.engine, built_once)
    configure(ctx.engine, inbox.port)
    d = FirstDayDialog(ctx, [dashboard_service.Absentee(ids["dan"], "Dan Split", "Ash", "N",
                                                        (), ())])
    qtbot.addWidget(d)
    d.queue()
    pump = MailPump(ctx, interval_ms=20)  # nobody presses anything
    with qtbot.waitSignal(pump.finished, timeout=15000) as done:
        pass
    pump.stop()
    qtbot.waitUntil(lambda: not pump.running, timeout=15000)
    assert done.args == ["1 sent"]
    assert [m.rcpt_tos for m in inbox.messages] == [["al@split.example"]]


def test_without_a_safe_store_the_outbox_asks_for_the_password(built_once,   # type: ignore[no-untyped-def]
        qtbot, ctx, server, tmp_path, monkeypatch) -> None:
    import keyring
    from keyrings.alt.file import PlaintextKeyring
    from PySide6.QtWidgets import QInputDialog

    inbox = server.start()
    ids = school_with_emails(ctx.engine, built_once)
    before = keyring.get_keyring()
    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "plain.cfg")
    keyring.set_keyring(kr)  # keyring's own pick on a headless PC: refused by the app
    asked: list[str] = []

    def get_text(_parent, _title, label, *a, **k):  # type: ignore[no-untyped-def]
        asked.append(label)
        return mf.PASSWORD, True

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    try:
        from attendance_desktop.services.mail.settings import MailConfig, save_settings
        from tests.conftest import HEAD

        cfg = save_settings(ctx.engine, HEAD, MailConfig(
            host="127.0.0.1", port=inbox.port, security="none", account=mf.ACCOUNT,
            from_address="office@hillside.example"))
        d = FirstDayDialog(ctx, [dashboard_service.Absentee(ids["dan"], "Dan Split", "Ash",
                                                            "N", (), ())])
        qtbot.addWidget(d)
        d.queue()
        b = OutboxWidget(ctx)
        qtbot.addWidget(b)
        b.send_now()
        qtbot.waitUntil(lambda: not b.pump.running, timeout=15000)
        assert len(asked) == 1
        assert "no safe password store" in asked[0]
        assert len(inbox.messages) == 1
        assert not (tmp_path / "plain.cfg").exists()  # kept in memory only
        assert credentials.get_password(cfg) == mf.PASSWORD
        b.send_now()  # the same session: not asked again
        qtbot.waitUntil(lambda: not b.pump.running, timeout=15000)
        assert len(asked) == 1
    finally:
        keyring.set_keyring(before)
        credentials.forget_session()
