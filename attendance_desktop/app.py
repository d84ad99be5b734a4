"""Composition root for windows: paths -> engine -> context -> Qt."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from attendance_desktop import APP_NAME, __version__
from attendance_desktop.cli import paths_for
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.database import open_database


def build_context(args: argparse.Namespace) -> AppContext:
    paths = paths_for(args)
    engine = open_database(paths)
    return AppContext(paths=paths, engine=engine, clock=dt.datetime.now)


def run_window(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("AttendanceDesktop")
    ctx = build_context(args)
    if args.command != "kiosk":
        from attendance_desktop.gui.setup.welcome_dialog import run_first_start

        # A new database: offer the demo school or the set-up wizard before anything else.
        if not run_first_start(ctx):
            return 0
    window = MainWindow(ctx)
    if args.command == "kiosk":
        window.open_kiosk()
    else:
        window.show()
    return int(app.exec())
