"""Locks the main window after the policy's idle time: an application event filter
restarts a timer on every key press or mouse action; on timeout the window's content is
hidden and the PIN prompt shown for the same person (or a switch of user). Never while the
sign-in kiosk is showing: the prompt lists staff names and would cover the kiosk."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from attendance_desktop.gui.login_dialog import LoginDialog
from attendance_desktop.services.context import AppContext

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
             QEvent.Type.Wheel, QEvent.Type.TouchBegin}


class IdleTimer(QObject):
    """Emits idled() after `interval_ms` with no keyboard or mouse activity in the app."""

    idled = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.idled)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.timer.isActive():
            self.timer.start()  # restart the count
        return False

    def pause(self) -> None:
        self.timer.stop()

    def resume(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


def kiosk_showing() -> bool:
    from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow

    return any(isinstance(w, KioskWindow) and w.isVisible()
               for w in QApplication.topLevelWidgets())


class WindowLock(QObject):
    """Locks `window` when idle; a different person signing in replaces ctx.actor."""

    userChanged = Signal()

    def __init__(self, window: QMainWindow, ctx: AppContext, minutes: int,
                 interval_ms: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.dialog: LoginDialog | None = None
        self._hidden: list[QWidget] = []
        self.idle = IdleTimer(interval_ms if interval_ms is not None else minutes * 60_000,
                              self)
        self.idle.idled.connect(self.lock)

    @Slot()
    def lock(self) -> None:
        if self.dialog is not None:
            return
        if kiosk_showing():
            # Never a staff sign-in (with staff names) over the pupils' kiosk: leaving the
            # kiosk needs a staff PIN anyway, and signs in as that person. Count again.
            self.idle.resume()
            return
        self.idle.pause()
        central = self.window.centralWidget()
        if central is not None:
            central.setVisible(False)  # nothing readable behind the prompt
        # Other open windows (data checks, history) hide too until someone signs in.
        self._hidden = [w for w in QApplication.topLevelWidgets()
                        if w.isVisible() and w is not self.window]
        for w in self._hidden:
            w.hide()
        self.dialog = LoginDialog(self.ctx.engine, self.ctx.clock, locked_actor=self.ctx.actor,
                                  parent=self.window)
        self.dialog.accepted.connect(self._unlocked)
        self.dialog.open()

    @Slot()
    def _unlocked(self) -> None:
        assert self.dialog is not None
        actor = self.dialog.actor
        self.dialog.deleteLater()
        self.dialog = None
        central = self.window.centralWidget()
        if central is not None:
            central.setVisible(True)
        for w in self._hidden:
            w.show()
        self._hidden = []
        if actor is not None and actor != self.ctx.actor:
            self.ctx.actor = actor
            self.userChanged.emit()
        self.idle.resume()

    def stop(self) -> None:
        self.idle.stop()


def install_lock(window: QMainWindow, ctx: AppContext, minutes: int) -> WindowLock:
    """Idle lock plus a "Lock" button (Ctrl+L) in the status bar; a user switch asks the
    window to rebuild its pages for the new person (if it offers rebuild_for_user)."""
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QPushButton

    lock = WindowLock(window, ctx, minutes)
    button = QPushButton("Lock")
    button.setObjectName("lockButton")
    button.setAccessibleName("Lock")
    button.setToolTip(f"Lock now (Ctrl+L). Locks by itself after {minutes} idle minutes.")
    button.setShortcut(QKeySequence("Ctrl+L"))
    button.setFlat(True)
    button.clicked.connect(lock.lock)
    window.statusBar().addPermanentWidget(button)
    rebuild = getattr(window, "rebuild_for_user", None)
    if rebuild is not None:
        lock.userChanged.connect(rebuild)
    return lock
