"""The quick start: the sign-in dialog before the database stack, the database opened
behind it on a plain thread, faults reported as on the usual start."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from attendance_desktop import app, cli
from attendance_desktop.domain.roles import Role
from attendance_desktop.gui.login_dialog import LoginDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "argon2", "reportlab")


def _demo(data: Path) -> None:
    from attendance_desktop.config.paths import resolve_paths

    engine = open_database(resolve_paths(data, environ={}))
    demo_service.create_demo(engine, seed=7, pupils=20, today=dt.date(2025, 11, 20))
    engine.dispose()


def test_the_first_screen_imports_no_database_stack():
    code = ("import sys\n"
            "import attendance_desktop.__main__, attendance_desktop.app\n"
            "import attendance_desktop.gui.login_dialog, attendance_desktop.quick_start\n"
            "import attendance_desktop.db.quick_read\n"
            "from attendance_desktop.config.paths import resolve_paths\n"
            "from attendance_desktop.config.logs import describe_database\n"
            "from attendance_desktop.gui.single_instance import instance_key\n"
            "p = resolve_paths(sys.argv[1], environ={})\n"
            "describe_database(p.db_url); instance_key(p, 'gui')\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n")
    done = subprocess.run([sys.executable, "-c", code, "/tmp/nowhere"], cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_signing_in_on_the_quick_path_opens_the_main_window(qtbot, tmp_path, monkeypatch):
    data = tmp_path / "data"
    _demo(data)
    args = cli.parse(["gui", "--data-dir", str(data)])
    first = app._quick_first_screen(args, cli.paths_for(args))
    assert first is not None
    assert first.sign_in_dialog
    seen: dict[str, object] = {}

    def fake_exec(dialog: LoginDialog) -> int:
        seen["names"] = [dialog.names.item(i).text() for i in range(dialog.names.count())]
        seen["waited"] = dialog._engine is None  # not opened when the dialog was made
        for i in range(dialog.names.count()):
            if "Headteacher" in dialog.names.item(i).text():
                dialog.names.setCurrentRow(i)
        dialog.pin.setText("1234")
        dialog.try_sign_in()  # waits for the database opened behind the dialog
        return int(dialog.result())

    monkeypatch.setattr(LoginDialog, "exec", fake_exec)
    opened = app._quick_sign_in(args, cli.paths_for(args), first)
    assert opened is not None
    window, lock = opened
    qtbot.addWidget(window)
    assert seen["waited"] is True
    assert seen["names"] == [f"{s.name}  ({s.role.label})" for s in first.staff]
    assert window.ctx.actor.role is Role.HEAD
    assert window.isVisible()
    lock.stop()
    window.ctx.engine.dispose()


def test_cancelling_the_quick_sign_in_opens_nothing(qtbot, tmp_path, monkeypatch):
    data = tmp_path / "data"
    _demo(data)
    args = cli.parse(["gui", "--data-dir", str(data)])
    first = app._quick_first_screen(args, cli.paths_for(args))
    assert first is not None
    monkeypatch.setattr(LoginDialog, "exec", lambda _d: int(QDialog.DialogCode.Rejected))
    assert app._quick_sign_in(args, cli.paths_for(args), first) is None


def test_no_quick_path_for_the_welcome_screen_or_postgresql(tmp_path):
    data = tmp_path / "data"
    open_database(cli.paths_for(cli.parse(["gui", "--data-dir", str(data)]))).dispose()
    args = cli.parse(["gui", "--data-dir", str(data)])
    assert app._quick_first_screen(args, cli.paths_for(args)) is None  # a new school
    pg = cli.parse(["gui", "--db-url", "postgresql+psycopg://nobody@127.0.0.1:9/x"])
    assert app._quick_first_screen(pg, cli.paths_for(pg)) is None


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None,
                    reason="mounting a filesystem needs root and mount(8)")
def test_a_fault_behind_the_dialog_is_reported_as_on_any_start(qtbot, tmp_path, monkeypatch):
    # A disk with no room for one more file, after the two SQLite makes to read the
    # database: the stdlib read works, opening the database cannot write.
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755",
                           f"attendance-test-{uuid.uuid4().hex[:8]}", str(mnt)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"this sandbox cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        data = mnt / "data"
        _demo(data)
        used = int(subprocess.run(["df", "--output=iused", str(mnt)], capture_output=True,
                                  text=True, check=True).stdout.split()[-1])
        subprocess.run(["mount", "-o", f"remount,nr_inodes={used + 2}", str(mnt)],
                       check=True)
        args = cli.parse(["gui", "--data-dir", str(data)])
        first = app._quick_first_screen(args, cli.paths_for(args))
        shown: list[str] = []

        def fake_exec(dialog: LoginDialog) -> int:
            shown.append("sign-in")
            dialog.pin.setText("1234")
            dialog.try_sign_in()  # the database could not be opened: the dialog closes
            return int(dialog.result())

        monkeypatch.setattr(LoginDialog, "exec", fake_exec)
        monkeypatch.setattr(QMessageBox, "critical",
                            lambda _p, _title, text: shown.append(text))
        code = app._run(args, None)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, capture_output=True)
    assert code == 2
    assert first is not None  # the quick path was taken
    assert shown[0] == "sign-in"
    assert shown[-1].startswith(f"The disk holding {data} is full")


def test_the_quick_kiosk_shows_at_once_and_works_once_the_database_is_open(qtbot, tmp_path):
    data = tmp_path / "data"
    _demo(data)
    args = cli.parse(["kiosk", "--data-dir", str(data)])
    first = app._quick_first_screen(args, cli.paths_for(args))
    assert first is not None
    kiosk = app._quick_kiosk(args, cli.paths_for(args), first)
    qtbot.addWidget(kiosk)
    assert kiosk.isVisible()
    assert kiosk.school_label.text() == first.school_name
    assert isinstance(kiosk.ctx, AppContext)  # handed the real context once open
    assert kiosk.policy is not None
    assert kiosk.idle_timer.interval() == kiosk.policy.kiosk_idle_seconds * 1000
    kiosk.begin("in")  # the demo's pupils, from the database opened behind the kiosk
    assert kiosk.current_screen() in ("find", "done")  # "done": a closed day says so
    qtbot.waitUntil(lambda: hasattr(kiosk, "duties"), timeout=5000)  # backups etc.
    kiosk.ctx.engine.dispose()


def test_the_quick_kiosk_builds_its_other_screens_after_the_first(qtbot, tmp_path):
    """Only the start screen is built before the quick kiosk is shown; a tap before the
    rest were built (or the database opened) builds them and goes on as usual."""
    import functools

    from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow
    from attendance_desktop.quick_start import BackgroundOpen, PendingContext

    data = tmp_path / "data"
    _demo(data)
    args = cli.parse(["kiosk", "--data-dir", str(data)])
    opening = BackgroundOpen(functools.partial(app.build_context, args, cli.paths_for(args)))
    kiosk = KioskWindow(PendingContext(opening), school_name="Quick school",  # type: ignore[arg-type]
                        database_ready=False)
    qtbot.addWidget(kiosk)
    assert not hasattr(kiosk, "find_screen")
    assert kiosk.current_screen() == "start"
    kiosk.reset()  # the idle timer's reset, before the other screens exist
    kiosk.resize(1200, 800)
    qtbot.keyClicks(kiosk, "a")  # a letter on the start screen: "in", names from "a"
    assert hasattr(kiosk, "find_screen")
    assert kiosk.current_screen() in ("find", "done")  # "done": a closed day says so
    if kiosk.current_screen() == "find":
        assert kiosk.search.text() == "a"
    opening.wait().engine.dispose()


def test_the_old_data_offer_is_imported_only_when_there_is_old_data(tmp_path, monkeypatch):
    """The first release's folder is looked at with the stdlib; the dialog's module is
    imported (and the offer made) only when that folder holds something to offer."""
    xdg = tmp_path / "xdg"
    data = tmp_path / "data"
    code = ("import sys\n"
            "from attendance_desktop import app, cli\n"
            "args = cli.parse(['gui', '--data-dir', sys.argv[1]])\n"
            "app._offer_first_release_data(cli.paths_for(args))\n"
            "print('attendance_desktop.gui.setup.legacy_data_dialog' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code, str(data)], cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=str(REPO), XDG_DATA_HOME=str(xdg),
                                   QT_QPA_PLATFORM="offscreen"),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"

    from attendance_desktop.gui.setup import legacy_data_dialog

    old = xdg / "AttendanceDesktop"
    old.mkdir(parents=True)
    (old / "attendance.sqlite3").write_bytes(b"not a database")  # unreadable: offered
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    offered: list[object] = []
    monkeypatch.setattr(legacy_data_dialog, "offer_legacy_data", offered.append)
    args = cli.parse(["gui", "--data-dir", str(data)])
    app._offer_first_release_data(cli.paths_for(args))
    assert len(offered) == 1
