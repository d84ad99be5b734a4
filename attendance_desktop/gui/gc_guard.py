"""Python's garbage collector runs on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a
threshold is passed: often a background job's thread. If the garbage it finds includes a
Qt object (a closed page's widgets, held in a reference cycle), that object is deleted
from the wrong thread and the interpreter crashes later. So automatic collection is
switched off while windows are open and a timer collects on the GUI thread instead, as
often as the thresholds would have (the approach pyqtgraph's GarbageCollector takes).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    @Slot()
    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
