"""Database work off the GUI thread, one job at a time, on one long-lived Python thread.

Why a plain Python thread and polling: a Qt object made, emitting or freed on a worker
thread (a QRunnable, a signal emitted from there, a page's widget whose last reference
a job dropped) has crashed the interpreter. So the worker runs plain Python callables
that take no Qt objects, and everything Qt happens in the GUI thread: a timer there polls
the jobs (every POLL_MS, only while a job is outstanding) and hands over progress,
results and errors to the `Run`'s callbacks. The GUI side keeps every job's
callables until it has handed the outcome over, so the last reference to anything a job
touched is dropped here, in the GUI thread.

One worker serialises the app's reads and writes (no two jobs race on the database);
long-running periodic work (automatic backups, the email outbox) has its own worker so
it never holds up a page.

A job is `job(token)` returning its result, or a generator yielding `Progress` between
steps and returning the result (see gui.workers). Cancel is cooperative: `token.cancel()`
and the job stops at its next `token.check()` (or its next yield).
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Slot
from shiboken6 import isValid

from attendance_desktop.domain.progress import Cancelled, CancelToken, Progress

POLL_MS = 10


class SerialWorker:
    """One thread, started on first use, running jobs in the order given."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.SimpleQueue[Run | None] | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, run: Run) -> None:
        with self._lock:
            if self._thread is None:
                self._queue = queue.SimpleQueue()
                self._thread = threading.Thread(target=_serve, args=(self._queue,),
                                                name=self.name, daemon=True)
                self._thread.start()
            assert self._queue is not None
            run.worker = self
            self._queue.put(run)

    def shutdown(self, timeout_s: float = 5.0, *, drop_queued: bool = True) -> bool:
        """End the thread after the job it is running and the queued ones (told to cancel
        first when dropped); True if it ended within the timeout. A later submit starts
        a new thread."""
        with self._lock:
            thread, jobs = self._thread, self._queue
            self._thread = self._queue = None
        if thread is None or jobs is None:
            return True
        if drop_queued:
            for run in _pending_runs():
                if run.worker is self:
                    run.token.cancel()
        jobs.put(None)
        thread.join(timeout_s)
        return not thread.is_alive()


def _serve(jobs: queue.SimpleQueue[Run | None]) -> None:
    """The worker thread's loop. It lets go of each run before saying it is done, so the
    GUI thread holds the last reference to everything the job touched."""
    while True:
        run = jobs.get()
        if run is None:
            return
        run._outcome = run._compute()
        done = run._done
        del run
        done.set()


_MAIN = SerialWorker("attendance-db")
_WORKERS: list[SerialWorker] = [_MAIN]


def main_worker() -> SerialWorker:
    """The app's worker for page loads and the jobs staff start."""
    return _MAIN


def own_worker(name: str) -> SerialWorker:
    """A separate worker for periodic work (shut down with the others)."""
    worker = SerialWorker(name)
    _WORKERS.append(worker)
    return worker


class Run:
    """One job, as the GUI thread sees it. Callbacks run in the GUI thread, and only while
    `owner` (if given) still exists; a run whose owner is gone is dropped quietly."""

    def __init__(self, job: Callable[[CancelToken], Any], token: CancelToken | None = None,
                 owner: QObject | None = None) -> None:
        self.job = job
        self.token = token or CancelToken()
        self.owner = owner
        self.on_progress: Callable[[int, int, str], None] | None = None
        self.on_succeeded: Callable[[Any], None] | None = None
        self.on_failed: Callable[[BaseException], None] | None = None
        self.on_cancelled: Callable[[], None] | None = None
        self.on_ended: Callable[[], None] | None = None
        self._outcome: tuple[str, Any] | None = None  # ("ok"|"failed"|"cancelled", value)
        self._done = threading.Event()
        self.released = False  # handed over and let go (GUI thread)
        self.worker: SerialWorker | None = None
        self.steps: deque[tuple[int, int, str]] = deque()  # appended by the worker

    # -- the worker's side (no Qt here) ---------------------------------------------------
    def _compute(self) -> tuple[str, Any]:
        try:
            self.token.check()  # cancelled while it waited in the queue
            made = self.job(self.token)
            if isinstance(made, Generator):
                try:
                    while True:
                        step: Progress = next(made)
                        self.token.check()
                        self.steps.append((step.done, step.total, step.label))
                except StopIteration as stop:
                    return ("ok", stop.value)
            self.token.check()
            return ("ok", made)
        except Cancelled:
            return ("cancelled", None)
        except Exception as exc:  # handed to the GUI, which shows one plain line
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            return ("failed", exc)

    # -- the GUI thread's side -------------------------------------------------------------
    def alive(self) -> bool:
        return self.owner is None or isValid(self.owner)

    def _deliver(self) -> bool:
        """Hand over what is new; True once the run has ended."""
        if not self.alive():
            self.token.cancel()  # nobody is waiting: stop at the next check
            return self._done.is_set()
        while self.steps:  # every step, in order (deque: safe across the two threads)
            step = self.steps.popleft()
            if self.on_progress is not None:
                self.on_progress(*step)
        if not self._done.is_set():
            return False
        assert self._outcome is not None
        kind, value = self._outcome
        try:
            if kind == "ok" and self.on_succeeded is not None:
                self.on_succeeded(value)
            elif kind == "failed" and self.on_failed is not None:
                self.on_failed(value)
            elif kind == "cancelled" and self.on_cancelled is not None:
                self.on_cancelled()
        finally:
            if self.on_ended is not None and self.alive():
                self.on_ended()
        return True

    def release(self) -> None:
        """Let go of everything the run held (in the GUI thread)."""
        self.job = None  # type: ignore[assignment]
        self.owner = None
        self.on_progress = self.on_succeeded = self.on_failed = None
        self.on_cancelled = self.on_ended = None
        self._outcome = None
        self.released = True


class _Poller(QObject):
    """Lives in the GUI thread; hands every finished or progressing run over."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    @Slot()
    def poll(self) -> None:
        for run in list(self.runs):
            try:
                ended = run._deliver()
            except BaseException:
                ended = True
                self._retire(run)
                raise  # a bug in a callback: the app's exception hook shows it
            if ended:
                self._retire(run)
        if not self.runs:
            self.timer.stop()

    def _retire(self, run: Run) -> None:
        if run in self.runs:
            self.runs.remove(run)
        run.release()


_POLLER: _Poller | None = None


def _poller() -> _Poller:
    global _POLLER
    if _POLLER is None or not isValid(_POLLER):
        app = QCoreApplication.instance()
        assert app is not None, "background work needs a QApplication"
        assert QThread.currentThread() is app.thread(), "start background work in the GUI thread"
        _POLLER = _Poller()
    return _POLLER


def start(run: Run, worker: SerialWorker | None = None) -> Run:
    """Queue the run on the worker (the main one by default). GUI thread only."""
    poller = _poller()
    poller.runs.append(run)
    (worker or _MAIN).submit(run)
    if not poller.timer.isActive():
        poller.timer.start()
    return run


def _pending_runs() -> list[Run]:
    return list(_POLLER.runs) if _POLLER is not None and isValid(_POLLER) else []


def pending() -> int:
    """Runs not yet handed over."""
    return len(_POLLER.runs) if _POLLER is not None and isValid(_POLLER) else 0


def wait_idle(timeout_s: float = 5.0) -> bool:
    """Process events until every run has been handed over (tests, quitting)."""
    end = time.monotonic() + timeout_s
    while pending():
        if time.monotonic() > end:
            return False
        QCoreApplication.processEvents()
        time.sleep(0.002)
    return True


def shutdown_all(timeout_s: float = 5.0) -> bool:
    """At app exit (and after each test): cancel what is left and end every thread."""
    if _POLLER is not None and isValid(_POLLER):
        for run in _POLLER.runs:
            run.token.cancel()
        wait_idle(timeout_s)
    return all(w.shutdown(timeout_s) for w in _WORKERS)
