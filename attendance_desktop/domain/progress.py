"""Progress reports and cancellation for long work, shared by services and the GUI."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int
    label: str = ""


class Cancelled(Exception):
    """Raised inside long work when the user pressed Cancel."""


class CancelToken:
    """Thread-safe flag a worker checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()
