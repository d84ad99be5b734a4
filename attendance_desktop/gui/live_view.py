"""The shared live view: a page shows other writers' changes within a few seconds.

A `LiveWatcher` polls the database's change counter (services.live_revision, one tiny
SELECT) every POLL_MS while its page is visible, and emits `changed` when someone else
committed a change. The page's own writes are counted (`own_write`) so they do not cause a
reload; the page reloads on `changed`. While the page is busy (a dialog or menu is open, a
two-key code is half typed) the reload waits for a later tick, so nothing the user is
doing is lost or compared against values they never saw.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import live_revision

log = logging.getLogger(__name__)
POLL_MS = 2000  # read when each watcher starts (tests shorten it)


def user_is_busy() -> bool:
    """A modal dialog (a mark's details, a reason, a message) or a menu is open."""
    return (QApplication.activeModalWidget() is not None
            or QApplication.activePopupWidget() is not None)


class LiveWatcher(QObject):
    changed = Signal()

    def __init__(self, engine: Engine, page: QWidget,
                 busy: Callable[[], bool] = user_is_busy, interval_ms: int | None = None) -> None:
        super().__init__(page)
        self.engine = engine
        self.page = page
        self.busy = busy
        self.seen = 0
        self.own = 0  # the page's own commits since `seen` (each raises the counter by one)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS if interval_ms is None else interval_ms)
        self.timer.timeout.connect(self.poll)
        page.installEventFilter(self)
        self.baseline()

    def baseline(self) -> None:
        """Call just BEFORE reading what the page shows: a change committed after this
        read is seen by the next poll."""
        self.seen = self._read() or self.seen
        self.own = 0

    def own_write(self, written: int = 1) -> None:
        if written:
            self.own += 1

    def _read(self) -> int | None:
        try:
            return live_revision.current(self.engine)
        except (SQLAlchemyError, ServiceError) as exc:  # a busy or unreachable server
            log.info("live view: could not read the change counter: %s", type(exc).__name__)
            return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.page:
            if event.type() == QEvent.Type.Show:
                self.timer.start()
                self.poll()  # catch up at once after being hidden
            elif event.type() == QEvent.Type.Hide:
                self.timer.stop()
        return False

    def visible(self) -> bool:
        window = self.page.window()
        return self.page.isVisible() and not window.isMinimized()

    @Slot()
    def poll(self) -> None:
        if not self.visible():
            self.timer.stop()  # never poll for a page nobody can see
            return
        value = self._read()
        if value is None:
            return
        if value <= self.seen + self.own:
            if value != self.seen:
                self.seen, self.own = value, max(0, self.seen + self.own - value)
            return
        if self.busy():
            return  # try again on the next tick
        self.seen, self.own = value, 0
        self.changed.emit()
