"""What a GUI test may not leave behind: running Qt threads or thread-pool work, active
timers (repeating or single-shot), and top-level widgets that are still alive.

`QtLeakWatch` is armed before a test (it wraps QTimer.start, QTimer.singleShot,
QThread.start and QThreadPool.start for the test's duration, remembering what was started
through them) and asked after it, once pytest-qt has closed the widgets given to qtbot.
Everything is looked at after the test's garbage has been collected on the GUI thread:
a timer or widget still alive then is held by something that outlives the test (a module
list, a signal connection to a long-lived object, an unclosed window).

A test with a justified exception says so with
`@pytest.mark.leaks_allowed("timers", reason="...")` (kinds: "threads", "timers",
"widgets"; tests/conftest.py checks Python threads under the same marker).
"""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QEventLoop,
    QObject,
    Qt,
    QThread,
    QThreadPool,
    QTimer,
)
from PySide6.QtWidgets import QApplication, QWidget

# Qt's own helper windows that live on between tests by design (the tooltip label is a
# static that hides itself; completer and combo pop-ups belong to their widget).
_QT_INTERNAL_WINDOWS = frozenset({"QTipLabel", "QComboBoxPrivateContainer", "QCompleter"})


@dataclass
class _Shot:
    """One QTimer.singleShot call made during the test."""

    what: str
    context: weakref.ref[QObject] | None
    fired: bool = False

    def pending(self) -> bool:
        if self.fired:
            return False
        if self.context is None:
            return True
        ctx = self.context()  # Qt drops a single shot whose context object was deleted
        return ctx is not None and shiboken6.isValid(ctx)


def _address(obj: QObject) -> int:
    """The C++ object's address (a C++-owned widget gets a new Python wrapper each time)."""
    return int(shiboken6.getCppPointer(obj)[0])


def _describe(obj: object) -> str:
    name = ""
    if isinstance(obj, QObject) and shiboken6.isValid(obj):
        name = obj.objectName()
        parent = obj.parent()
        if not name and parent is not None:
            name = f"child of {type(parent).__name__}"
    return f"{type(obj).__name__}({name})" if name else type(obj).__name__


def _callable_name(fn: Callable[..., Any]) -> str:
    owner = getattr(fn, "__self__", None)
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return f"{type(owner).__name__}.{fn.__name__}" if owner is not None else name


@dataclass
class QtLeakWatch:
    timers: list[weakref.ref[QTimer]] = field(default_factory=list)
    shots: list[_Shot] = field(default_factory=list)
    threads: list[weakref.ref[QThread]] = field(default_factory=list)
    pools: list[weakref.ref[QThreadPool]] = field(default_factory=list)
    windows_before: set[int] = field(default_factory=set)

    def arm(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.windows_before = {_address(w) for w in QApplication.topLevelWidgets()}
        watch = self
        timer_start = QTimer.start
        single_shot = QTimer.singleShot
        thread_start = QThread.start
        pool_start = QThreadPool.start

        def start_timer(timer: QTimer, *args: Any) -> None:
            watch.timers.append(weakref.ref(timer))
            timer_start(timer, *args)

        def start_thread(thread: QThread, *args: Any) -> None:
            watch.threads.append(weakref.ref(thread))
            thread_start(thread, *args)

        def start_in_pool(pool: QThreadPool, *args: Any) -> None:
            watch.pools.append(weakref.ref(pool))
            pool_start(pool, *args)

        def shot(msec: int, *args: Any) -> None:
            rest = list(args)
            timer_type = [rest.pop(0)] if rest and isinstance(rest[0], Qt.TimerType) else []
            if len(rest) == 1 and callable(rest[0]):
                # A bound method of a QObject: that object is the context, as Qt would
                # treat it (the call is dropped if the object is deleted first).
                owner = getattr(rest[0], "__self__", None)
                rest = [owner, rest[0]] if isinstance(owner, QObject) else [None, rest[0]]
            if len(rest) == 2 and callable(rest[1]) and not isinstance(rest[1], str | bytes):
                context, fn = rest
                record = _Shot(_callable_name(fn),
                               weakref.ref(context) if context is not None else None)
                watch.shots.append(record)

                def fire() -> None:
                    record.fired = True
                    fn()

                if context is None:
                    single_shot(msec, *timer_type, fire)
                else:
                    single_shot(msec, *timer_type, context, fire)
                return
            single_shot(msec, *args)  # receiver + SLOT string: not tracked

        monkeypatch.setattr(QTimer, "start", start_timer)
        monkeypatch.setattr(QTimer, "singleShot", staticmethod(shot))
        monkeypatch.setattr(QThread, "start", start_thread)
        monkeypatch.setattr(QThreadPool, "start", start_in_pool)

    @staticmethod
    def settle() -> None:
        """Let closed windows and collected wrappers actually go: posted events, deferred
        deletes, and the test's garbage (collected here, on the GUI thread)."""
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if gc.collect():
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        # What survived (modules a page imported when first shown, caches) is frozen like
        # everything alive at the start: the next test's collection then looks only at
        # what that test made (~100k objects fewer; 75 ms a test otherwise).
        gc.freeze()

    def running_threads(self, wait_ms: int) -> list[str]:
        left = []
        pools = {id(p): p for p in (r() for r in self.pools) if p is not None}
        pools[id(QThreadPool.globalInstance())] = QThreadPool.globalInstance()
        for pool in pools.values():
            if shiboken6.isValid(pool) and not pool.waitForDone(wait_ms):
                left.append(f"{pool.activeThreadCount()} job(s) on {_describe(pool)}")
        for ref in self.threads:
            thread = ref()
            if thread is not None and shiboken6.isValid(thread) and not thread.wait(wait_ms):
                left.append(_describe(thread))
        return left

    def active_timers(self, wait_ms: int) -> list[str]:
        deadline = time.monotonic() + wait_ms / 1000
        while any(s.pending() for s in self.shots) and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)
        left = [f"single shot to {s.what}" for s in self.shots if s.pending()]
        for ref in self.timers:
            timer = ref()
            if timer is not None and shiboken6.isValid(timer) and timer.isActive():
                left.append(f"{_describe(timer)} every {timer.interval()} ms")
        return sorted(set(left))

    def live_windows(self) -> list[QWidget]:
        return [w for w in QApplication.topLevelWidgets()
                if _address(w) not in self.windows_before
                and type(w).__name__ not in _QT_INTERNAL_WINDOWS
                and w.metaObject().className() not in _QT_INTERNAL_WINDOWS]

    @staticmethod
    def dispose(widgets: list[QWidget]) -> None:
        """Close and delete what a failing test left, so the next test starts clean."""
        for w in widgets:
            if shiboken6.isValid(w):
                w.close()
                w.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def allowed(request: pytest.FixtureRequest, kind: str) -> bool:
    """Whether the test is marked `leaks_allowed(kind, ..., reason=...)`."""
    for mark in request.node.iter_markers("leaks_allowed"):
        if not mark.kwargs.get("reason"):
            raise pytest.UsageError(f"{request.node.nodeid}: leaks_allowed needs a reason")
        if kind in mark.args:
            return True
    return False
