"""The binding check sees what the binding really does, and its guard keeps None alive."""

from __future__ import annotations

import sys

from attendance_desktop.gui import binding_check


def test_the_check_matches_the_binding_and_the_guard_holds():
    from PySide6.QtCore import QRect

    rect = QRect()
    before = sys.getrefcount(None)
    for _ in range(200):
        rect.setWidth(2)  # a void method: returns None
    lost = before - sys.getrefcount(None)
    broken = sys.version_info < (3, 12) and lost >= 150
    assert binding_check.drops_none_references() == broken
    armed = binding_check.guard_none_refcount()
    assert armed == (broken and not hasattr(sys, "gettotalrefcount"))
    if armed:
        assert sys.getrefcount(None) > binding_check.RESERVE
        assert binding_check.guard_none_refcount()  # once per process, not twice
        assert sys.getrefcount(None) < 2 * binding_check.RESERVE
