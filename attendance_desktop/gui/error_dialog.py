"""The "Something went wrong" dialog and the exception hook that shows it.

A bug must never make the window vanish or show a traceback: the hook writes the
traceback to the log, then tells the user in one plain sentence, with the details one
click away for whoever supports the app, and lets them carry on or quit.
The dialog's layout is ui/common/error_dialog.ui.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QStyle, QWidget

from attendance_desktop import APP_NAME, __version__
from attendance_desktop.config import logs

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

SENTENCE = (
    f"{APP_NAME} met a problem it did not expect. Everything saved before this is safe, "
    "but the last thing you did may not have been saved: please check it."
)
CONTINUE_HINT = "You can carry on working, or quit and start the app again."
STARTUP_HINT = "The app could not finish starting. Please start it again."


def log_file_sentence() -> str:
    where = logs.active_log_file()
    if where is None:
        return "No log file could be written, so please copy the details below."
    return f"The details are also in the log file:\n{where}"


def details_text(exc_info: ExcInfo) -> str:
    """The traceback with what support needs to read it (versions, where the log is)."""
    lines = [
        f"{APP_NAME} {__version__}",
        f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}",
        f"System: {platform.platform()}",
        f"Log file: {logs.active_log_file() or '(none)'}",
        "",
    ]
    # Redacted like the log: this text is meant to be pasted into an e-mail.
    return logs.redact("\n".join(lines) + "".join(traceback.format_exception(*exc_info)))


class ErrorDialog(QDialog):
    """Plain sentence, log file, "Show details" with copyable text; Continue or Quit."""

    def __init__(self, details: str, can_continue: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.setWindowTitle(f"{APP_NAME}: something went wrong")
        self.quit_chosen = False
        # imported when a dialog is shown: every start installs the hook, few show it
        from attendance_desktop.gui.generated.common.ui_error_dialog import Ui_ErrorDialog

        self.ui = Ui_ErrorDialog()
        self.ui.setupUi(self)
        ui = self.ui
        ui.icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(48, 48))
        ui.sentence.setText(f"{SENTENCE} {CONTINUE_HINT if can_continue else STARTUP_HINT}")
        ui.logFileLabel.setText(log_file_sentence())
        self.details, self.toggle, self.copy = ui.errorDetails, ui.toggle, ui.copy
        self.quit_button, self.continue_button = ui.quit_button, ui.continue_button
        self.details.setPlainText(details)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.toggle.toggled.connect(self._show_details)
        self.copy.clicked.connect(self.copy_details)
        self.quit_button.setText(f"&Quit {APP_NAME}")
        self.quit_button.clicked.connect(self._quit)
        self.continue_button.clicked.connect(self.accept)
        self.continue_button.setVisible(can_continue)
        (self.continue_button if can_continue else self.quit_button).setDefault(True)
        self.resize(600, self.sizeHint().height())

    @Slot(bool)
    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.toggle.setText("Hide &details" if shown else "Show &details")
        if shown:
            self.resize(max(self.width(), 760), max(self.height(), 480))
        else:
            self.adjustSize()

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy.setText("Copied")

    @Slot()
    def _quit(self) -> None:
        self.quit_chosen = True
        self.reject()


class ExceptionHook(QObject):
    """sys.excepthook and threading.excepthook for the window commands.

    Errors raised on other threads (thread pool work, Python threads) are logged there
    and the dialog is shown on the GUI thread through a queued signal.
    """

    _from_other_thread = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._showing = False
        self._old_hook = sys.excepthook
        self._old_thread_hook = threading.excepthook
        self.shown = 0  # dialogs shown, for tests and the log
        self._from_other_thread.connect(self.show_dialog)

    def install(self) -> None:
        self._old_hook, self._old_thread_hook = sys.excepthook, threading.excepthook
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        if sys.excepthook == self.handle:
            sys.excepthook = self._old_hook
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self._old_thread_hook

    def handle(self, exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QCoreApplication.exit(130)
            return
        info: ExcInfo = (exc_type, exc, tb)
        log.critical("unexpected error", exc_info=info)
        details = details_text(info)
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() == app.thread():
            self.show_dialog(details)
        else:
            self._from_other_thread.emit(details)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(str)
    def show_dialog(self, details: str) -> None:
        if self._showing:
            return  # one dialog at a time; the later error is in the log
        self._showing = True
        try:
            self.shown += 1
            dialog = ErrorDialog(details, can_continue=True,
                                 parent=QApplication.activeWindow())
            dialog.exec()
            if dialog.quit_chosen:
                log.info("the user chose to quit after an unexpected error")
                QCoreApplication.exit(1)
        finally:
            self._showing = False


def show_startup_bug(exc_info: ExcInfo) -> None:
    """An unexpected error before any window opened: log it and say so; only Quit."""
    log.critical("unexpected error while starting", exc_info=exc_info)
    ErrorDialog(details_text(exc_info), can_continue=False).exec()
