"""Support in the window: the exception hook dialog, start-up faults, About and F1 help.

Screenshots go to /tmp/shots/ (not committed) for a person to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from attendance_desktop import __main__, __version__, app
from attendance_desktop.config import logs
from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.gui.about_dialog import AboutDialog, support_text
from attendance_desktop.gui.error_dialog import ErrorDialog, ExceptionHook
from attendance_desktop.gui.main_window import MainWindow
from attendance_desktop.services.database import open_database
from attendance_desktop.services.errors import ServiceError
from tests.gui.conftest import SCREENSHOTS as SHOTS


@pytest.fixture(autouse=True)
def _close_log():
    yield
    logs.teardown_logging()


def shot(widget: QWidget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    widget.grab().save(str(path))
    return path


def when_dialog_shows(object_name: str, action: Callable[[QWidget], None]) -> QTimer:
    """Run action on the dialog once it is up (it runs its own modal loop), then close it."""
    timer = QTimer()

    def poll() -> None:
        for widget in QApplication.topLevelWidgets():
            if widget.objectName() == object_name and widget.isVisible():
                timer.stop()
                try:
                    action(widget)
                finally:
                    if widget.isVisible():
                        widget.reject()
                return

    timer.timeout.connect(poll)
    timer.start(20)
    return timer


def broken_slot() -> None:
    {}["no such key"]  # a bug on purpose


@pytest.fixture
def hook():
    hook = ExceptionHook()
    hook.install()
    yield hook
    hook.uninstall()


def test_an_error_in_a_slot_shows_the_dialog_and_logs_the_traceback(qtbot, tmp_path, hook):
    log_file = logs.setup_logging(tmp_path)
    button = QPushButton("Break")
    qtbot.addWidget(button)
    button.clicked.connect(broken_slot)
    seen: dict[str, object] = {}

    def answer(dialog: ErrorDialog) -> None:
        seen["title"] = dialog.windowTitle()
        seen["log label"] = dialog.findChild(QWidget, "logFileLabel").text()
        seen["details hidden"] = not dialog.details.isVisible()
        shot(dialog, "exception_dialog")
        dialog.toggle.click()
        seen["details shown"] = dialog.details.isVisible()
        dialog.resize(760, 480)
        shot(dialog, "exception_dialog_details")
        dialog.copy.click()
        seen["clipboard"] = QGuiApplication.clipboard().text()
        dialog.continue_button.click()

    timer = when_dialog_shows("errorDialog", answer)
    button.click()  # the exception reaches sys.excepthook, which shows the dialog
    timer.stop()
    assert hook.shown == 1
    assert "something went wrong" in str(seen["title"])
    assert str(log_file) in str(seen["log label"])
    assert seen["details hidden"]
    assert seen["details shown"]
    clip = str(seen["clipboard"])
    assert f"Attendance Desktop {__version__}" in clip
    assert "Traceback (most recent call last)" in clip
    assert "KeyError: 'no such key'" in clip
    text = log_file.read_text(encoding="utf-8")
    assert "CRITICAL" in text
    assert "in broken_slot" in text
    assert "KeyError: 'no such key'" in text


def test_an_error_on_another_thread_shows_the_dialog_on_the_gui_thread(qtbot, tmp_path, hook):
    log_file = logs.setup_logging(tmp_path)
    on_gui_thread: list[bool] = []

    def answer(dialog: ErrorDialog) -> None:
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        dialog.continue_button.click()

    timer = when_dialog_shows("errorDialog", answer)
    worker = threading.Thread(target=broken_slot, name="worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: hook.shown == 1)
    timer.stop()
    assert on_gui_thread == [True]
    assert "KeyError: 'no such key'" in log_file.read_text(encoding="utf-8")


def test_quit_in_the_dialog_ends_the_event_loop_with_code_1(qtbot, tmp_path, hook):
    logs.setup_logging(tmp_path)
    # Closing the dialog (the only window) would post a Quit that outlives this test's
    # event loop and stops every later one; the app has its main window open instead.
    QApplication.setQuitOnLastWindowClosed(False)
    timer = when_dialog_shows("errorDialog", lambda d: d.quit_button.click())
    QTimer.singleShot(0, broken_slot)
    # The application's own loop, as in the app: exit() outside it would leave Qt's
    # "quit now" flag set and every later event loop would return at once.
    try:
        assert QApplication.exec() == 1
    finally:
        QApplication.setQuitOnLastWindowClosed(True)
    timer.stop()
    assert "the user chose to quit" in logs.log_file_path(tmp_path).read_text(encoding="utf-8")


@pytest.mark.leaks_allowed("widgets", reason="pytest's log capture keeps the logged second "
                          "error, whose traceback holds the open dialog, until the test ends")
def test_a_second_error_while_the_dialog_is_open_is_only_logged(qtbot, tmp_path, hook):
    logs.setup_logging(tmp_path)

    def answer(dialog: ErrorDialog) -> None:
        button = QPushButton()
        button.clicked.connect(broken_slot)
        button.click()  # a second error while the first dialog is up
        dialog.continue_button.click()

    timer = when_dialog_shows("errorDialog", answer)
    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: hook.shown == 1)
    qtbot.wait(50)
    timer.stop()
    assert hook.shown == 1
    text = logs.log_file_path(tmp_path).read_text(encoding="utf-8")
    assert text.count("KeyError: 'no such key'") == 2


# --- start-up faults ------------------------------------------------------------------


@pytest.fixture
def critical(monkeypatch) -> list[str]:
    shown: list[str] = []

    def record(_parent, title, text, *args, **kwargs):
        shown.append(f"{title}\n{text}")
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "critical", record)
    return shown


def _visible_windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def _needs_service_error(data_dir: Path) -> None:
    """These faults become ServiceErrors in open_database (services/errors.py, dbopen work)."""
    paths = resolve_paths(data_dir, environ={})
    try:
        open_database(paths).dispose()
    except ServiceError:
        return
    except Exception as exc:
        pytest.fail(f"open_database does not report this fault plainly ({type(exc).__name__})")
    pytest.fail("the fault did not happen")


def test_a_data_folder_that_is_a_file_gives_a_plain_message_and_exit_2(
        qtbot, tmp_path, critical, capfd):
    data = tmp_path / "data"
    data.write_text("not a folder", encoding="utf-8")
    _needs_service_error(data)
    assert __main__.main(["gui", "--data-dir", str(data)]) == 2
    assert len(critical) == 1
    assert "cannot start" in critical[0]
    assert "No log file could be written" in critical[0]  # logs/ cannot go in a file
    assert _visible_windows() == []
    assert "Traceback" not in capfd.readouterr().err


def test_a_file_that_is_not_a_database_gives_a_plain_message_and_exit_2(
        qtbot, tmp_path, critical, capfd):
    data = tmp_path / "data"
    data.mkdir()
    (data / "attendance.sqlite3").write_bytes(b"this is not a database\n" * 200)
    _needs_service_error(data)
    assert __main__.main(["gui", "--data-dir", str(data)]) == 2
    assert len(critical) == 1
    log_file = logs.log_file_path(data.resolve())
    assert f"Details are in the log file: {log_file}" in critical[0]
    assert _visible_windows() == []
    assert "Traceback" not in capfd.readouterr().err
    assert "cannot start" in log_file.read_text(encoding="utf-8")


def test_a_service_error_at_start_is_shown_plainly_and_logged(
        qtbot, tmp_path, critical, capfd, monkeypatch):
    message = "The database file is damaged or is not an Attendance Desktop database."

    def refuse(_paths):
        raise ServiceError(message)

    monkeypatch.setattr(app, "open_database", refuse)
    data = tmp_path / "data"
    assert __main__.main(["gui", "--data-dir", str(data)]) == 2
    log_file = logs.log_file_path(data.resolve())
    assert critical == [f"Attendance Desktop cannot start\n{message}\n\n"
                        f"Details are in the log file: {log_file}"]
    assert _visible_windows() == []
    assert "Traceback" not in capfd.readouterr().err
    text = log_file.read_text(encoding="utf-8")
    assert f"cannot start: {message}" in text
    assert "stop (exit code 2)" in text


def test_an_unexpected_error_at_start_shows_the_dialog_with_quit_only(
        qtbot, tmp_path, critical, capfd, monkeypatch):
    def broken(_args, _ctx):
        raise RuntimeError("a bug while opening the windows")

    monkeypatch.setattr(app, "open_windows", broken)
    seen: dict[str, bool] = {}

    def answer(dialog: ErrorDialog) -> None:
        seen["continue hidden"] = not dialog.continue_button.isVisible()
        shot(dialog, "startup_bug_dialog")
        dialog.quit_button.click()

    timer = when_dialog_shows("errorDialog", answer)
    data = tmp_path / "data"
    assert __main__.main(["gui", "--data-dir", str(data)]) == 1
    timer.stop()
    assert seen == {"continue hidden": True}
    assert critical == []
    assert "Traceback" not in capfd.readouterr().err
    text = logs.log_file_path(data.resolve()).read_text(encoding="utf-8")
    assert "unexpected error while starting" in text
    assert "RuntimeError: a bug while opening the windows" in text


def test_screenshot_of_the_start_up_message(qtbot, tmp_path):
    logs.setup_logging(tmp_path / "data")
    box = QMessageBox(QMessageBox.Icon.Critical, "Attendance Desktop cannot start",
                      app.startup_fault_text(ServiceError(
                          "The data folder C:\\ProgramData\\AttendanceDesktop is a file, "
                          "not a folder: ask IT to remove or rename it, or choose another "
                          "folder with --data-dir.")))
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    shot(box, "startup_error_message")
    assert "Details are in the log file:" in box.text()


# --- About and help -------------------------------------------------------------------


def test_about_shows_where_everything_is_and_copies_it(qtbot, ctx, tmp_path):
    log_file = logs.setup_logging(ctx.paths.data_dir)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    menu = window.menuBar().actions()[-1]
    assert menu.text() == "&Help"
    about = AboutDialog(ctx.paths, window)
    qtbot.addWidget(about)
    about.show()
    qtbot.waitExposed(about)
    shot(about, "about")
    assert about.values["Version"].text() == __version__
    assert about.values["Data folder"].text() == str(ctx.paths.data_dir)
    assert about.values["Database"].text() == f"SQLite file {ctx.paths.sqlite_file}"
    assert about.values["Log file"].text() == str(log_file)
    about.copy_button.click()
    clip = QGuiApplication.clipboard().text()
    assert clip == support_text(ctx.paths)
    assert f"Log file: {log_file}" in clip
    assert "Qt: 6." in clip


def test_about_never_shows_a_database_password(qtbot, tmp_path):
    paths = resolve_paths(tmp_path, "postgresql+psycopg://office:Secret-99@db.school/att",
                          environ={})
    text = support_text(paths)
    assert "Secret-99" not in text
    assert "office:***@db.school/att" in text


def test_f1_opens_the_guide_from_the_compiled_resources(qtbot, ctx):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_help()  # what F1 triggers
    help_window = window.help_window
    assert help_window is not None
    assert help_window.isVisible()
    f1 = [a for a in window.menuBar().actions()[-1].menu().actions() if a.shortcut().toString()]
    assert [a.shortcut().toString() for a in f1] == ["F1"]
    browser = help_window.browser
    assert browser.source().toString() == "qrc:/help/guide.html"
    text = browser.toPlainText()
    for heading in ("Taking a register", "Keys", "The kiosk", "Leave of absence", "Trackers",
                    "Letters", "Reports", "Where the data lives and backups", "Getting help"):
        assert heading in text
    help_window.resize(780, 700)
    shot(help_window, "help_guide")
    browser.scrollToAnchor("support")
    assert browser.verticalScrollBar().value() > 0
    help_window.home()
    assert browser.verticalScrollBar().value() == 0


def test_the_window_icon_comes_from_the_compiled_resources(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "open_windows", lambda _a, _c: None)  # stop after start-up
    assert __main__.main(["gui", "--data-dir", str(tmp_path / "d")]) == 0
    icon = QCoreApplication.instance().windowIcon()
    assert not icon.isNull()
    assert not icon.pixmap(32, 32).isNull()


def test_first_release_data_is_offered_before_the_database_opens(
        qtbot, tmp_path, monkeypatch):
    from attendance_desktop.gui.setup import legacy_data_dialog
    from tests.config.test_legacy_data import make_school

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    make_school(tmp_path / "xdg" / "AttendanceDesktop", pupils=3, staff=1)
    shared = tmp_path / "shared"
    seen: list[tuple[str, bool]] = []

    def answer(dialog):
        # Asked before the shared database exists: a move can only replace an empty one.
        seen.append((dialog.windowTitle(), (shared / "attendance.sqlite3").exists()))
        dialog.choice = "later"
        return 0

    monkeypatch.setattr(legacy_data_dialog.LegacyDataDialog, "exec", answer)
    monkeypatch.setattr(app, "open_windows", lambda _a, _c: None)  # stop after start-up
    assert __main__.main(["gui", "--data-dir", str(shared)]) == 0
    assert len(seen) == 1
    assert seen[0][1] is False
