"""Holding a real service function back on the serial worker until the test lets it go:
the page's state while its read is under way can then be checked. tests/gui/conftest.py
opens every gate a test left shut, so a failing test still lets its read finish."""

from __future__ import annotations

import threading

import pytest

OPENED: list[threading.Event] = []


class Gate:
    """Wraps a real service function: it runs on the worker only once opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
        self.real = getattr(module, name)
        self.opened = threading.Event()
        OPENED.append(self.opened)
        self.threads: list[threading.Thread] = []
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args: object, **kw: object) -> object:
        self.threads.append(threading.current_thread())
        assert self.opened.wait(10), "the test never let the read finish"
        return self.real(*args, **kw)
