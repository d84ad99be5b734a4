"""Settings > Backups, the Today board's backup warning and the automatic backup."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.auto_backup import AutoBackup
from attendance_desktop.gui.settings.backups_widget import BackupsPage
from attendance_desktop.gui.settings.settings_widget import SettingsWidget
from attendance_desktop.gui.today_widget import TodayWidget
from attendance_desktop.services.records import backup_service, backup_store
from attendance_desktop.services.school import school_service
from tests.gui.conftest import SCREENSHOTS as SHOTS
from tests.services import backup_helpers as h

HEAD = Actor("Hana Head", Role.HEAD)
OFFICE = Actor("Olly Office", Role.OFFICE)


def page(qtbot, ctx, actor=HEAD) -> BackupsPage:  # type: ignore[no-untyped-def]
    ctx.actor = actor
    w = BackupsPage(ctx)
    qtbot.addWidget(w)
    return w


def run_and_wait(qtbot, w: BackupsPage, button) -> None:  # type: ignore[no-untyped-def]
    button.click()
    qtbot.waitUntil(lambda: w.task is None, timeout=60_000)


def test_make_verify_and_restore_from_the_page(qtbot, ctx, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    pupils = h.school_with_year(ctx.engine)
    h.mark(ctx.engine, pupils, h.FIRST_DAY, "AM", "/")
    before = h.register(ctx.engine)
    w = page(qtbot, ctx)
    assert w.table.rowCount() == 0
    assert "No backups yet" in w.message.text()
    # Second folder through the (patched) native dialog, then saved and logged.
    stick = tmp_path / "stick"
    stick.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(stick))
    w.choose_folder()
    w.interval.setValue(6)
    w.save()
    assert backup_store.load_settings(ctx.engine).second_folder == str(stick)
    assert {c.key for c in school_service.recent_changes(ctx.engine)} >= \
        {"second_folder", "interval_hours"}
    run_and_wait(qtbot, w, w.backup_button)
    assert "Backup made and verified" in w.message.text()
    assert w.table.rowCount() == 2  # data folder and second folder
    assert {w.table.item(r, 2).text() for r in range(2)} == {"data folder", "second folder"}
    assert w.table.item(0, 4).text().startswith("OK")
    # Damage the copy on the stick, verify it: shown as failed.
    copy = next(stick.glob("attendance-*.sqlite3"))
    data = bytearray(copy.read_bytes())
    data[4096:12288] = b"\x33" * 8192
    copy.write_bytes(bytes(data))
    row = next(r for r in range(2) if w.table.item(r, 2).text() == "second folder")
    w.table.selectRow(row)
    run_and_wait(qtbot, w, w.verify_button)
    assert "is damaged" in w.message.text()
    row = next(r for r in range(2) if w.table.item(r, 2).text() == "second folder")
    assert w.table.item(row, 4).text().startswith("FAILED")
    # Change the register, then restore the good backup; the question names the date.
    h.mark(ctx.engine, pupils, h.FIRST_DAY, "PM", "\\")
    asked: list[str] = []

    def question(_parent, _title, text, *_a):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    row = next(r for r in range(w.table.rowCount())
               if w.table.item(r, 2).text() == "data folder")
    w.table.selectRow(row)
    run_and_wait(qtbot, w, w.restore_button)
    assert "Thursday 20 November 2025 at 10:00" in asked[0]
    assert "copy of the current database is checked and kept first" in asked[0]
    assert "Restored" in w.message.text()
    assert h.register(ctx.engine) == before
    kinds = {w.table.item(r, 1).text() for r in range(w.table.rowCount())}
    assert "Before a restore" in kinds


def test_office_can_back_up_but_not_restore_or_change_settings(qtbot, ctx):  # type: ignore[no-untyped-def]
    w = page(qtbot, ctx, OFFICE)
    run_and_wait(qtbot, w, w.backup_button)
    w.table.selectRow(0)
    assert w.verify_button.isEnabled()
    assert not w.restore_button.isEnabled()
    assert not w.save_button.isEnabled()
    assert not w.interval.isEnabled()


def test_failures_read_as_one_plain_message(qtbot, ctx, monkeypatch):  # type: ignore[no-untyped-def]
    w = page(qtbot, ctx)
    monkeypatch.setattr(backup_service, "EXTRA_CHECKS", [lambda p: ["chain broken"]])
    run_and_wait(qtbot, w, w.backup_button)
    assert w.message.text().startswith("Not done: the copy failed its check")
    assert w.table.rowCount() == 0


def test_today_board_warns_until_backups_are_in_order(qtbot, ctx, tmp_path):  # type: ignore[no-untyped-def]
    ctx.clock = dt.datetime.now
    board = TodayWidget(ctx)
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: not board.backup_warning.busy, timeout=10_000)
    text = board.backup_warning.text()
    assert "No verified backup" in text
    assert "No second backup folder" in text
    board.resize(1366 - 170, 768 - 60)
    board.show()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert board.grab().save(str(SHOTS / "today_backup_warning_1366x768.png"))
    stick = tmp_path / "stick"
    stick.mkdir()
    ctx.actor = HEAD
    backup_store.save_settings(ctx.engine, HEAD, backup_store.BackupSettings(
        second_folder=str(stick)))
    backup_service.run_job(backup_service.make_backup(ctx.paths, ctx.engine, clock=ctx.clock))
    board.refresh()
    qtbot.waitUntil(lambda: not board.backup_warning.busy, timeout=10_000)
    assert board.backup_warning.isHidden(), board.backup_warning.text()
    stick.rename(tmp_path / "pulled-out")  # the stick is pulled out
    board.refresh()
    qtbot.waitUntil(lambda: not board.backup_warning.busy, timeout=10_000)
    assert "second backup folder cannot be used" in board.backup_warning.text()


def test_automatic_backup_runs_off_the_gui_thread_when_due(qtbot, ctx):  # type: ignore[no-untyped-def]
    auto = AutoBackup(ctx, check_every_ms=3_600_000, first_check_ms=0)
    with qtbot.waitSignal(auto.finished, timeout=30_000) as first:
        pass
    assert first.args[0].path is not None  # none yet: made one
    with qtbot.waitSignal(auto.finished, timeout=30_000) as second:
        auto.check()
    assert second.args[0].path is None  # nothing changed since
    auto.at_quit()
    assert len(backup_store.list_folder(ctx.paths.backup_dir, "")) == 1
    auto.deleteLater()


@pytest.mark.parametrize("actor", [HEAD])
def test_screenshot_of_settings_backups_at_1366x768(qtbot, ctx, tmp_path, actor):  # type: ignore[no-untyped-def]
    pupils = h.school_with_year(ctx.engine)
    h.mark(ctx.engine, pupils, h.FIRST_DAY, "AM", "/")
    stick = tmp_path / "USB-STICK"
    stick.mkdir()
    backup_store.save_settings(ctx.engine, HEAD, backup_store.BackupSettings(
        second_folder=str(stick)))
    for hours in (50, 26, 4, 0):
        when = dt.datetime(2025, 11, 20, 10, 0) - dt.timedelta(hours=hours)
        backup_service.run_job(backup_service.make_backup(ctx.paths, ctx.engine,
                                                          clock=lambda w=when: w))
    ctx.actor = actor
    w = SettingsWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1366 - 170, 768 - 60)  # the main window's page area at 1366x768
    assert w.show_section("backups")
    w.show()
    backups = w.section("backups")
    backups.table.selectRow(0)
    qtbot.wait(50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "settings_backups_1366x768.png"
    assert w.grab().save(str(path))
    assert backups.table.rowCount() == 8
