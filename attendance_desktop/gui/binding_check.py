"""A guard against a Qt binding that loses references to None.

PySide6 6.12.0 on Python 3.11 returns None from every call into Qt that returns nothing
(a void method such as `painter.save()` or `label.setText()`, an empty QVariant from
`index.data()`) without taking a reference to it. Each call drops one reference to None.
Python before 3.12 still counts None's references (3.12 made None immortal), so after some
tens of thousands of such calls - a few minutes of scrolling the register, an office day of
refreshes, or simply the clean-up at exit - the interpreter aborts with "Fatal Python
error: none_dealloc". PySide6 6.11 on Python 3.11, and any PySide6 on 3.12+, are not affected.

The supported stacks are declared in pyproject.toml. Where the app still finds itself on the
broken pair, `guard_none_refcount` notices it with a self-test and gives None a reserve of
references so large that no session can use it up, and logs that it did so. The register
grid also avoids Python calls per cell (see gui/register/grid_view.py), so the loss per
repaint is a handful instead of thousands.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

RESERVE = 1 << 40  # ~10^12 references: centuries of the worst loss measured (~4,000/repaint)
_armed = False


def drops_none_references() -> bool:
    """True when calls into Qt that return nothing lose a reference to None."""
    if sys.version_info >= (3, 12):
        return False  # None is immortal: its count means nothing and cannot reach zero
    from PySide6.QtCore import QRect

    rect = QRect()
    before = sys.getrefcount(None)
    for _ in range(100):
        rect.setWidth(1)  # a void method
    return sys.getrefcount(None) <= before - 50


def guard_none_refcount() -> bool:
    """Give None a reserve of references if the binding loses them. True when it was given
    (now or earlier in this process)."""
    global _armed
    if _armed:
        return True
    if not drops_none_references():
        return False
    from PySide6 import __version__ as pyside_version

    # ob_refcnt is the first field of an object on a release CPython build (a debug build,
    # which has sys.gettotalrefcount, puts two list pointers first).
    if sys.implementation.name != "cpython" or hasattr(sys, "gettotalrefcount"):
        log.warning("PySide6 %s on Python %s loses references to None; this Python cannot be"
                    " protected: use PySide6 6.11 or Python 3.12+", pyside_version,
                    sys.version.split()[0])
        return False
    ctypes.c_ssize_t.from_address(id(None)).value += RESERVE
    _armed = True
    log.warning("PySide6 %s on Python %s loses references to None (a known binding fault);"
                " a reserve was added so the app cannot abort. Supported: PySide6 6.11 with"
                " Python 3.11, or Python 3.12+.", pyside_version, sys.version.split()[0])
    return True
