"""Composition root for windows: paths -> engine -> context -> Qt."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from attendance_desktop import APP_NAME, __version__
from attendance_desktop.cli import paths_for
from attendance_desktop.config.paths import AppPaths
from attendance_desktop.services.errors import ServiceError

if TYPE_CHECKING:  # the database stack: imported while the sign-in dialog is up (quick_start)
    from sqlalchemy.engine import Engine

    from attendance_desktop.db.quick_read import FirstScreen
    from attendance_desktop.services.context import AppContext

log = logging.getLogger(__name__)


def build_context(args: argparse.Namespace, paths: AppPaths | None = None) -> AppContext:
    """Open the database (migrating it) and make the context every window is handed."""
    from attendance_desktop.services.context import AppContext

    paths = paths or paths_for(args)
    engine = open_database(paths)
    return AppContext(paths=paths, engine=engine, clock=dt.datetime.now)


def open_database(paths: AppPaths) -> Engine:
    """services.database.open_database, imported when first called: the database stack
    is imported behind the first window (quick_start) or just before it opens."""
    from attendance_desktop.services.database import open_database as open_db

    return open_db(paths)


def _fill_planned_closures(ctx: AppContext) -> None:
    """Closure marks for pupils added since the calendar was saved (the register never
    writes them when it is viewed). A busy database only postpones this to the next start."""
    from attendance_desktop.services.errors import ServiceError
    from attendance_desktop.services.register import closure_service
    from attendance_desktop.services.school import calendar_service

    year = calendar_service.year_containing(ctx.engine, ctx.today())
    if year is None:
        return
    with contextlib.suppress(ServiceError):
        closure_service.fill_closures(ctx.engine, year.start, year.end)


def run_window(args: argparse.Namespace) -> int:
    """Open the staff window or the kiosk and run until it closes; the exit code.

    0 when closed normally or when another copy was brought forward instead, 2 when the
    data cannot be opened (a plain message), 1 after an unexpected error at start-up.
    """
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.gui.binding_check import guard_none_refcount

    app = QApplication.instance() or QApplication(sys.argv[:1])
    guard_none_refcount()  # PySide6 6.12.0 on Python 3.11 loses references to None
    from attendance_desktop.gui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(app)  # garbage (Qt objects too) freed on this thread
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("AttendanceDesktop")

    from attendance_desktop.gui.error_dialog import ExceptionHook

    _set_window_icon(app)
    _log_gui_versions(app)
    hook = ExceptionHook(app)
    hook.install()
    restore_signals = _quit_on_signals()
    try:
        return _run(args, app)
    finally:
        from attendance_desktop.gui import serial_worker

        serial_worker.shutdown_all()  # a job still running is told to stop; threads end
        collector.stop()
        restore_signals()
        hook.uninstall()
        hook.deleteLater()


def _run(args: argparse.Namespace, app: Any) -> int:
    from attendance_desktop.gui.error_dialog import show_startup_bug
    from attendance_desktop.gui.single_instance import (
        Claim,
        SingleInstance,
        create_windows_mutexes,
        instance_key,
    )

    mode = "kiosk" if args.command == "kiosk" else "gui"
    try:
        paths = paths_for(args)
    except ServiceError as exc:
        return _refuse_start(exc)
    instance = SingleInstance(instance_key(paths, mode))
    claim = instance.claim()
    if claim is Claim.ACTIVATED:
        _note(f"{APP_NAME} is already running for this data folder; "
              "its window has been brought to the front.")
        return 0
    if claim is Claim.NO_ANSWER:
        log.warning("another copy holds the single-instance lock but did not answer")
        _note(f"{APP_NAME} seems to be running for this data folder but did not answer; "
              "look for its window, or end it in the task manager and start again.")
        return 1
    create_windows_mutexes()
    # Connected before any window opens: a second start during sign-in raises the sign-in.
    shown: dict[str, Any] = {}
    instance.activated.connect(functools.partial(_bring_forward, shown))
    try:
        try:
            _offer_first_release_data(paths)
            first = _quick_first_screen(args, paths)
            if first is None:
                opened = open_windows(args, build_context(args, paths))
            elif args.command == "kiosk":
                opened = _quick_kiosk(args, paths, first), None
            else:
                opened = _quick_sign_in(args, paths, first)
        except ServiceError as exc:
            return _refuse_start(exc)
        except Exception:
            show_startup_bug(sys.exc_info())  # type: ignore[arg-type]
            return 1
        if opened is None:
            return 0
        window, lock = opened
        shown["main window"] = window
        code = int(app.exec())
        if lock is not None:
            lock.stop()
        return code
    finally:
        instance.release()


def _offer_first_release_data(paths: AppPaths) -> None:
    """Before the database opens: a move replaces only a new, empty database."""
    if paths.sqlite_file is None:
        return
    from attendance_desktop.config import locations

    found = locations.find_legacy_data(paths.data_dir)
    if found is None or not found.worth_offering:
        return  # the usual start: the dialog's module (~0.1 s to import) is not needed
    from attendance_desktop.gui.setup.legacy_data_dialog import offer_legacy_data

    offer_legacy_data(paths)


def _note(text: str) -> None:
    log.info("%s", text)
    if sys.stdout is not None:  # None in the windowed (frozen) program on Windows
        print(text)


def startup_fault_text(exc: BaseException) -> str:
    from attendance_desktop.config import logs

    where = logs.active_log_file()
    tail = (f"Details are in the log file: {where}" if where is not None
            else "No log file could be written in the data folder.")
    return f"{exc}\n\n{tail}"


def _refuse_start(exc: ServiceError) -> int:
    """A fault the user or IT can fix (see services.errors): a plain message, exit 2."""
    from PySide6.QtWidgets import QMessageBox

    log.error("cannot start: %s", exc, exc_info=exc)
    QMessageBox.critical(None, f"{APP_NAME} cannot start", startup_fault_text(exc))
    return 2


def _bring_forward(shown: dict[str, Any]) -> None:
    """Another start asked for this copy: show whatever the user should see now."""
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.gui.single_instance import bring_forward

    target = QApplication.activeModalWidget()  # sign-in, welcome or a dialog in progress
    window = shown.get("main window")
    if target is None and window is not None:
        from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow
        from attendance_desktop.gui.main_window import MainWindow

        # the kiosk started alone, or the staff window hiding behind the kiosk it opened
        kiosk = window if isinstance(window, KioskWindow) else \
            window.kiosk if isinstance(window, MainWindow) else None
        if kiosk is not None and kiosk.isMinimized():
            kiosk.showFullScreen()
        target = kiosk if kiosk is not None else window
    if target is None:
        return  # nothing is open yet (still starting): the new window will be in front
    bring_forward(target)
    log.info("brought %s to the front", type(target).__name__)


def _set_window_icon(app: Any) -> None:
    from PySide6.QtGui import QIcon

    import attendance_desktop.gui.generated.resources_rc  # noqa: F401  (registers :/)

    app.setWindowIcon(QIcon(":/icon.svg"))
    from attendance_desktop.gui.theme import apply_theme

    apply_theme(app)  # the palette (light or dark) and resources/style.qss


def _log_gui_versions(app: Any) -> None:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    log.info("GUI: Qt %s, PySide6 %s, platform %s", qVersion(), pyside_version,
             app.platformName())


def _quit_on_signals() -> Callable[[], None]:
    """Ctrl+C or a polite kill (SIGTERM) quits through the event loop, so "stop" is logged."""
    import signal
    import threading

    from PySide6.QtCore import QCoreApplication, QTimer

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    wanted = [signal.SIGINT, signal.SIGTERM]
    old = {sig: signal.getsignal(sig) for sig in wanted}

    def quit_app(signum: int, _frame: object) -> None:
        log.info("signal %s received: quitting", signum)
        QCoreApplication.exit(0)

    for sig in wanted:
        signal.signal(sig, quit_app)
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    timer = QTimer()
    timer.timeout.connect(lambda: None)
    timer.start(300)

    def restore() -> None:
        timer.stop()
        for sig, handler in old.items():
            signal.signal(sig, handler)

    return restore


def open_windows(args: argparse.Namespace, ctx: AppContext) -> tuple[Any, Any] | None:
    """First start (welcome/wizard), sign-in, then the main window or the kiosk.

    Returns (main window or kiosk window, idle lock or None), or None when the user
    stopped at the welcome screen or at sign-in. Needs a QApplication.
    """
    if args.command == "kiosk":
        return _open_kiosk(ctx), None
    from attendance_desktop.gui.setup.welcome_dialog import run_first_start

    # A new database: offer the demo school or the set-up wizard before anything else.
    if not run_first_start(ctx):
        return None
    if not _sign_in(ctx):
        return None
    return _open_staff_window(ctx)


def _open_staff_window(ctx: AppContext) -> tuple[Any, Any]:
    # Once signed in: the pages' modules (ReportLab among them) and the closure fill
    # would otherwise hold up the sign-in dialog.
    _fill_planned_closures(ctx)
    from attendance_desktop.gui.main_window import MainWindow

    window = MainWindow(ctx)
    from attendance_desktop.gui.idle_lock import install_lock
    from attendance_desktop.services.school import policy_service

    minutes = policy_service.load_policy(ctx.engine).staff_idle_lock_minutes
    lock = install_lock(window, ctx, minutes)
    window.show()
    return window, lock


def _open_kiosk(ctx: AppContext) -> Any:
    """`attendance-desktop kiosk`: the kiosk alone, full screen, with no staff window
    behind it (so none is built: a quicker start, and nothing for pupils to reach). A staff
    PIN closes it and the app ends. The staff window's background duties (automatic
    backups, the weekly register check, the email outbox) start once it is shown."""
    from PySide6.QtCore import Qt, QTimer

    from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow

    kiosk = KioskWindow(ctx)
    kiosk.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
    kiosk.showFullScreen()
    QTimer.singleShot(0, kiosk, functools.partial(_kiosk_duties, ctx, kiosk))
    return kiosk


def _kiosk_duties(ctx: AppContext, kiosk: Any) -> None:
    from attendance_desktop.gui.auto_backup import AutoBackup
    from attendance_desktop.gui.mail.pump import MailPump
    from attendance_desktop.gui.register_check import WeeklyCheck

    _fill_planned_closures(ctx)
    backup = AutoBackup(ctx, kiosk)
    check = WeeklyCheck(ctx, kiosk)
    kiosk.duties = (backup, check, MailPump(ctx, kiosk))

    def closed() -> None:  # as the staff window does on quit
        check.stop()
        backup.at_quit()
        kiosk.deleteLater()

    kiosk.kioskClosed.connect(closed)


def _quick_first_screen(args: argparse.Namespace, paths: AppPaths) -> FirstScreen | None:
    """What the sign-in dialog or the kiosk shows, read without the database stack, when
    the start is the usual one: a SQLite database at the shipped revision (with staff
    accounts, for the sign-in dialog)."""
    if paths.sqlite_file is None:
        return None
    from attendance_desktop.db.quick_read import read_first_screen

    first = read_first_screen(paths.sqlite_file)
    if first is None or (args.command != "kiosk" and not first.sign_in_dialog):
        return None
    return first


def _quick_kiosk(args: argparse.Namespace, paths: AppPaths, first: FirstScreen) -> Any:
    """The kiosk shown at once, the database opened behind it (as _open_kiosk once it is
    open). Its start screen needs only the school's name; a tap before the database is
    open waits for it. A fault in opening closes the kiosk and is raised here."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow
    from attendance_desktop.quick_start import BackgroundOpen, PendingContext

    opening = BackgroundOpen(functools.partial(build_context, args, paths))
    kiosk = KioskWindow(PendingContext(opening), school_name=first.school_name,  # type: ignore[arg-type]
                        database_ready=False)
    kiosk.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
    kiosk.showFullScreen()
    loop = QEventLoop()
    watch = QTimer()
    watch.setInterval(50)

    def check() -> None:
        if opening.done():
            loop.quit()

    watch.timeout.connect(check)
    QTimer.singleShot(0, opening.start)  # once the kiosk is up
    QTimer.singleShot(0, kiosk, kiosk.build_screens)  # after its first paint
    watch.start()
    loop.exec()
    watch.stop()
    try:
        ctx = opening.wait()
    except BaseException:
        kiosk.hide()
        kiosk.deleteLater()
        raise
    kiosk.database_opened(ctx)
    QTimer.singleShot(0, kiosk, functools.partial(_kiosk_duties, ctx, kiosk))
    return kiosk


def _quick_sign_in(args: argparse.Namespace, paths: AppPaths,
                   first: FirstScreen) -> tuple[Any, Any] | None:
    """The sign-in dialog at once; the database opened behind it (quick_start). A fault
    in opening closes the dialog and is raised here, to be reported as on any start."""
    from PySide6.QtCore import QTimer

    from attendance_desktop.gui.login_dialog import LoginDialog
    from attendance_desktop.quick_start import BackgroundOpen

    opening = BackgroundOpen(functools.partial(build_context, args, paths))
    dialog = LoginDialog(opening.engine, dt.datetime.now, school_name=first.school_name,
                         staff=first.staff)
    watch = QTimer(dialog)
    watch.setInterval(100)

    def check() -> None:
        if opening.done():
            watch.stop()
            if opening.failed():
                dialog.done(LoginDialog.DialogCode.Rejected)

    watch.timeout.connect(check)
    QTimer.singleShot(0, dialog, opening.start)  # once the dialog is up
    watch.start()
    try:
        signed_in = dialog.exec() == LoginDialog.DialogCode.Accepted
        actor = dialog.actor
    finally:
        # signed in before the database was open: the watch would poll on for ever; and
        # the dialog, held by its watch's closure, is not freed by reference counting
        watch.stop()
        dialog.deleteLater()
    ctx = opening.wait()  # raises the fault, if opening failed
    if not signed_in or actor is None:
        return None
    ctx.actor = actor
    return _open_staff_window(ctx)


def _sign_in(ctx: AppContext) -> bool:
    """Staff sign in before the main window when accounts exist; False if they cancel."""
    from attendance_desktop.domain.roles import SYSTEM_ACTOR
    from attendance_desktop.gui.login_dialog import LoginDialog, has_staff_accounts
    from attendance_desktop.services.school import school_service

    if ctx.actor != SYSTEM_ACTOR or not has_staff_accounts(ctx.engine):
        return True  # signed in already, or a new database with no accounts yet
    dialog = LoginDialog(ctx.engine, ctx.clock,
                         school_name=school_service.get_school(ctx.engine).details.name)
    if dialog.exec() != LoginDialog.DialogCode.Accepted or dialog.actor is None:
        return False
    ctx.actor = dialog.actor
    return True
