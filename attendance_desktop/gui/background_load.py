"""Reading a page's data off the GUI thread: the window stays usable while a board is
worked out, and a refresh asked for meanwhile runs once the current one ends.

`BackgroundLoad(parent, work)` runs `work()` (no Qt inside) on the thread pool through
gui/workers.py; `loaded` is emitted in the GUI thread with the result left on `.result`,
`failed` with the exception on `.error`. `loads` counts the finished loads (tests wait on
it) and `busy` says whether one is running.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.workers import JobSignals, start_job


class BackgroundLoad(QObject):
    loaded = Signal()  # read .result
    failed = Signal()  # read .error

    def __init__(self, parent: QObject, work: Callable[[], Any]) -> None:
        super().__init__(parent)
        self.work = work
        self.busy = False
        self.again = False
        self.loads = 0
        self.result: Any = None
        self.error: BaseException | None = None
        # not a child: a load still running when the page closes reports to a live object
        # (its slots here are disconnected with this object), never to a deleted one
        self.signals = JobSignals()
        self.signals.succeeded.connect(self._succeeded)
        self.signals.failed.connect(self._failed)
        self.signals.ended.connect(self._ended)

    @Slot()
    def request(self) -> None:
        """Load again: now, or as soon as the load under way ends (its result is stale)."""
        if self.busy:
            self.again = True
            return
        self.busy = True
        self.again = False
        work = self.work  # what to read is decided now, in the GUI thread

        def job(_token: CancelToken) -> Generator[Progress, None, Any]:
            yield Progress(0, 1, "")
            return work()

        start_job(job, self.signals)

    @Slot()
    def _succeeded(self) -> None:
        self.result, self.error = self.signals.result, None
        self.loads += 1
        if not self.again:  # a newer load is coming: do not show this one
            self.loaded.emit()

    @Slot()
    def _failed(self) -> None:
        self.error = self.signals.error
        self.loads += 1
        if not self.again:
            self.failed.emit()

    @Slot()
    def _ended(self) -> None:
        self.busy = False
        if self.again:
            self.request()
