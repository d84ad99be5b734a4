"""Saving a kiosk entry off the GUI thread, without the kiosk ever freezing.

A big mark import on the office PC holds the register's write lock for a few seconds, and
a kiosk save made then waits for it (kiosk_service waits up to write_lock's
PATIENT_WAIT_SECONDS). The service call therefore runs on a worker thread while this
window's event loop keeps running; if it takes longer than SLOW_MS the kiosk says so
("Saving… please wait"). To the caller it is an ordinary call: it returns the service's
result or raises its error, so the flow of the kiosk stays as simple as before.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QTimer

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.workers import JobSignals, start_job

T = TypeVar("T")
SLOW_MS = 1000  # a wait longer than this gets a message


def save(call: Callable[[], T], on_slow: Callable[[], None]) -> T:
    """`call()` on a worker thread; events keep being handled until it ends. `on_slow` runs
    (in the GUI thread) if it has not ended after SLOW_MS."""
    signals = JobSignals()  # no parent: it outlives a window closed meanwhile
    loop = QEventLoop()
    signals.ended.connect(loop.quit)  # queued from the worker: delivered inside exec()
    slow = QTimer()
    slow.setSingleShot(True)
    slow.setInterval(SLOW_MS)
    slow.timeout.connect(on_slow)

    def job(_token: CancelToken) -> Generator[Progress, None, T]:
        return call()
        yield  # a generator, as workers.start_job expects

    start_job(job, signals)
    slow.start()
    loop.exec()
    slow.stop()
    if signals.error is not None:
        raise signals.error
    return signals.result  # type: ignore[no-any-return]
