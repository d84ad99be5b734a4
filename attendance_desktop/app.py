"""Composition root for windows: paths -> engine -> context -> Qt."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from typing import Any

from attendance_desktop import APP_NAME, __version__
from attendance_desktop.cli import paths_for
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.database import open_database


def build_context(args: argparse.Namespace) -> AppContext:
    paths = paths_for(args)
    engine = open_database(paths)
    ctx = AppContext(paths=paths, engine=engine, clock=dt.datetime.now)
    _fill_planned_closures(ctx)
    return ctx


def _fill_planned_closures(ctx: AppContext) -> None:
    """Closure marks for pupils added since the calendar was saved (the register never
    writes them when it is viewed). A busy database only postpones this to the next start."""
    from attendance_desktop.services import calendar_service, closure_service
    from attendance_desktop.services.errors import ServiceError

    year = calendar_service.year_containing(ctx.engine, ctx.today())
    if year is None:
        return
    with contextlib.suppress(ServiceError):
        closure_service.fill_closures(ctx.engine, year.start, year.end)


def run_window(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.gui.binding_check import guard_none_refcount

    app = QApplication.instance() or QApplication(sys.argv[:1])
    guard_none_refcount()  # PySide6 6.12.0 on Python 3.11 loses references to None
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("AttendanceDesktop")
    opened = open_windows(args, build_context(args))
    if opened is None:
        return 0
    _window, lock = opened
    code = int(app.exec())
    if lock is not None:
        lock.stop()
    return code


def open_windows(args: argparse.Namespace, ctx: AppContext) -> tuple[Any, Any] | None:
    """First start (welcome/wizard), sign-in, then the main window or the kiosk.

    Returns (main window, idle lock or None), or None when the user stopped at the welcome
    screen or at sign-in. Needs a QApplication.
    """
    from attendance_desktop.gui.main_window import MainWindow

    if args.command != "kiosk":
        from attendance_desktop.gui.setup.welcome_dialog import run_first_start

        # A new database: offer the demo school or the set-up wizard before anything else.
        if not run_first_start(ctx):
            return None
        if not _sign_in(ctx):
            return None
    window = MainWindow(ctx)
    lock = None
    if args.command == "kiosk":
        window.open_kiosk()
    else:
        from attendance_desktop.gui.idle_lock import install_lock
        from attendance_desktop.services import policy_service

        minutes = policy_service.load_policy(ctx.engine).staff_idle_lock_minutes
        lock = install_lock(window, ctx, minutes)
        window.show()
    return window, lock


def _sign_in(ctx: AppContext) -> bool:
    """Staff sign in before the main window when accounts exist; False if they cancel."""
    from attendance_desktop.domain.roles import SYSTEM_ACTOR
    from attendance_desktop.gui.login_dialog import LoginDialog, has_staff_accounts
    from attendance_desktop.services import school_service

    if ctx.actor != SYSTEM_ACTOR or not has_staff_accounts(ctx.engine):
        return True  # signed in already, or a new database with no accounts yet
    dialog = LoginDialog(ctx.engine, ctx.clock,
                         school_name=school_service.get_school(ctx.engine).details.name)
    if dialog.exec() != LoginDialog.DialogCode.Accepted or dialog.actor is None:
        return False
    ctx.actor = dialog.actor
    return True
