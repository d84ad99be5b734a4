"""The Register grid's share of the live view (issue 12 point 4): another writer's change
(a second PC, the kiosk, an import) shows within seconds; the page's own writes never
cause a re-read.

The page's `LiveWatcher` counts the page's own commits, so only someone else's commit
emits `changed`; then the shown span is read again on the serial worker and its marks are
taken in place (same pupils and sessions: the selection, scroll and undo steps stay).
Cells the page wrote while that read ran keep what the page wrote: the read may predate
the write, and reading the whole grid again for it (a second or so at 2,000 pupils, on a
worker that shares the interpreter with the next keystroke) would be wasted. A change by
someone else to such a cell raised the counter after the read began, so the next poll
reads again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget
from sqlalchemy.engine import Engine

from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.live_view import LiveWatcher
from attendance_desktop.gui.register.grid_model import RegisterGridModel
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import grid_service
from attendance_desktop.services.register.grid_service import GridSnapshot

log = logging.getLogger(__name__)


class LiveGrid(QObject):
    """Keeps a Register page's grid up to date with other writers."""

    reshaped = Signal()  # pupils joined or left: the page must load the grid afresh
    refreshed = Signal()  # other writers' marks are on screen

    def __init__(self, page: QWidget, engine: Engine, model: Callable[[], RegisterGridModel | None],
                 page_loading: Callable[[], bool], busy: Callable[[], bool]) -> None:
        super().__init__(page)
        self.engine = engine
        self._model = model
        self._page_loading = page_loading
        self.watcher = LiveWatcher(engine, page, busy=busy)
        self.watcher.changed.connect(self.refresh)
        self.loader = BackgroundLoad(self, lambda: None)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)
        self.reads = 0  # whole-grid re-reads started (tests and benchmarks count them)

    def attach(self, model: RegisterGridModel) -> None:
        """A new model is on screen: count its writes as the page's own."""
        model.marksWritten.connect(self.watcher.own_write)

    @Slot()
    def refresh(self) -> None:
        """Someone else changed marks: read the shown span again (off the GUI thread)."""
        model = self._model()
        if model is None or self._page_loading():
            return  # a load under way reads the marks as they are now anyway
        snap = model.snap
        model.touched.clear()  # from now on: cells this page wrote during the read
        self.reads += 1
        self.loader.work = partial(grid_service.load_snapshot, self.engine, snap.start,
                                   snap.end, snap.class_id, snap.label)
        self.loader.request()

    @Slot()
    def _loaded(self) -> None:
        fresh: GridSnapshot = self.loader.result
        model = self._model()
        if model is None or self._page_loading():
            return
        snap = model.snap
        if (fresh.start, fresh.end, fresh.class_id) != (snap.start, snap.end, snap.class_id):
            return  # the page moved on meanwhile
        if model.take_values(fresh, keep=model.touched):
            self.refreshed.emit()
            return
        self.reshaped.emit()

    @Slot()
    def _failed(self) -> None:
        # e.g. busy: the next change or visit reads it again
        if not isinstance(self.loader.error, ServiceError):
            log.error("The register could not be re-read", exc_info=self.loader.error)
