"""A status line read off the GUI thread: a refresh asked for while a read is under way
is not lost (that read may have started before the change the caller wants to see)."""

from __future__ import annotations

import threading

from attendance_desktop.gui.periodic import StatusLabel


def test_a_refresh_during_a_read_runs_again_when_it_ends(qtbot):  # type: ignore[no-untyped-def]
    gate = threading.Event()
    state = {"value": "before", "reads": 0}

    def read() -> object:
        state["reads"] += 1
        if state["reads"] == 1:
            gate.wait(10)  # the first read is slow: it saw the state before the change
            return "before"
        return state["value"]

    shown: list[object] = []
    label = StatusLabel("status", "Status", read=read, show=shown.append)
    qtbot.addWidget(label)
    label.refresh()
    assert label.busy
    state["value"] = "after"  # the change, made while the first read runs
    label.refresh()  # asked for now: must not be dropped
    gate.set()
    qtbot.waitUntil(lambda: not label.busy, timeout=10_000)
    assert state["reads"] == 2
    assert shown == ["before", "after"]
