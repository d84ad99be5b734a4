"""The register check in the GUI: Settings → Backups "Check the register" (off the GUI
thread), the Today board's line, and the weekly check by itself."""

from __future__ import annotations

import datetime as dt
import sqlite3

from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.register_check import WeeklyCheck
from attendance_desktop.gui.settings.backups_widget import BackupsPage
from attendance_desktop.gui.today_widget import TodayWidget
from attendance_desktop.services.clock import bind_clock
from attendance_desktop.services.register import integrity_service
from tests.gui.conftest import save_screenshot
from tests.services import integrity_scenarios as sc

HEAD = Actor("Hana Head", Role.HEAD)


def _today_line(qtbot, ctx) -> TodayWidget:  # type: ignore[no-untyped-def]
    today = TodayWidget(ctx)
    qtbot.addWidget(today)
    today.refresh()
    qtbot.waitUntil(lambda: not today.check_line.busy, timeout=10_000)
    return today


def test_check_from_settings_and_the_today_line(qtbot, ctx):  # type: ignore[no-untyped-def]
    ctx.actor = HEAD
    reg = sc.build(ctx.engine)
    bind_clock(ctx.engine, lambda: ctx.now())  # the app's clock again after the set-up
    today = _today_line(qtbot, ctx)
    assert today.check_line.text().startswith("Register not checked yet")

    w = BackupsPage(ctx)
    qtbot.addWidget(w)
    box = w.check_box
    box.button.click()
    qtbot.waitUntil(lambda: box.task is None, timeout=30_000)
    assert box.message.text().startswith("Register checked: all well")
    today = _today_line(qtbot, ctx)
    assert today.check_line.text() == "Register checked today: all well"

    con = sqlite3.connect(ctx.paths.sqlite_file, isolation_level=None)
    con.execute(f"DELETE FROM mark WHERE pupil_id = {reg.first}")
    con.close()
    box.button.click()
    qtbot.waitUntil(lambda: box.task is None, timeout=30_000)
    text = box.message.text()
    assert "2 problems found" in text
    assert reg.first_name in text
    assert "deleted outside the app" in text
    w.resize(1100, 760)
    save_screenshot(w, "settings-backups-check-problems")
    today = _today_line(qtbot, ctx)
    assert today.check_line.text().startswith("Register checked today: 2 problems found")
    assert today.check_line.property("role") == "error"  # shown as an error, not a note
    today.resize(1100, 300)
    save_screenshot(today, "today-register-check-warning")


def test_the_weekly_check_runs_when_due_and_only_then(qtbot, ctx):  # type: ignore[no-untyped-def]
    sc.build(ctx.engine)
    bind_clock(ctx.engine, lambda: ctx.now())
    weekly = WeeklyCheck(ctx, every_ms=3_600_000, first_ms=0)
    with qtbot.waitSignal(weekly.finished, timeout=30_000) as got:
        pass
    assert isinstance(got.args[0], integrity_service.CheckResult)
    assert got.args[0].ok
    first = integrity_service.last_check(ctx.engine)
    assert first is not None
    assert first.at == ctx.now()
    # Not due again within the week: the job ends without checking or signalling.
    ctx.clock = lambda: dt.datetime(2025, 11, 26, 10, 0)
    weekly.check_if_due()
    qtbot.waitUntil(lambda: not weekly.running, timeout=10_000)
    assert integrity_service.last_check(ctx.engine) == first
    weekly.stop()
