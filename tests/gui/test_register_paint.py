"""Painting the whole-school year grid must not lose references to None.

PySide6 6.12.0 on Python 3.11 drops a reference to None on each call into Qt that returns
nothing; the old Python delegate made thousands per repaint and the process aborted. None
is immortal from Python 3.12, so its count says nothing there.
"""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from attendance_desktop.gui.binding_check import drops_none_references
from attendance_desktop.gui.register.register_widget import RegisterWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.context import AppContext
from tests.conftest import HEAD

THU = dt.date(2025, 11, 20)
MORTAL_NONE = sys.version_info < (3, 12)


@pytest.fixture
def year_page(qtbot, ctx, demo_school):
    demo_school(ctx.engine, pupils=210, today=THU)
    page = RegisterWidget(AppContext(paths=ctx.paths, engine=ctx.engine, actor=HEAD,
                                     clock=ctx.clock), span="year")
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    assert wait_idle(30)  # the grid is read on the serial worker
    assert page.model.rowCount() >= 200
    assert page.model.columnCount() > 350
    return page


@pytest.mark.skipif(not MORTAL_NONE, reason="None is immortal from Python 3.12: its"
                    " reference count does not change, so there is nothing to measure")
@pytest.mark.slow
def test_repainting_the_year_grid_keeps_none_alive(year_page, qapp):
    view = year_page.view
    viewport = view.viewport()
    h, v = view.horizontalScrollBar(), view.verticalScrollBar()
    # Cells with comments and a selection are painted too.
    assert any(note for _m, note in year_page.model.snap.extras.values())
    view.selectAll()
    viewport.repaint()
    before = sys.getrefcount(None)
    viewport.repaint()
    one = before - sys.getrefcount(None)
    assert one < 30, f"one repaint of the year grid lost {one} references to None"
    before = sys.getrefcount(None)
    # 24 repaints at scroll positions across the whole year: the broken binding aborted the
    # old delegate's process after 11, and each repaint here costs ~60 ms (the headers ask
    # the model whether each row and column is wholly selected), so more add time, not
    # evidence. Every sixth is a grab of the whole view, headers included.
    steps = 24
    for step in range(steps):
        h.setValue(h.maximum() * step // (steps - 1))
        v.setValue(v.maximum() * (step % 8) // 7)
        viewport.repaint()
        if step % 6 == 5:
            view.grab()
        qapp.processEvents()
    lost = before - sys.getrefcount(None)
    # The loop's own calls (setValue, repaint, grab ...) may cost a few each on the broken
    # binding; the old delegate lost ~4,000 per repaint.
    assert lost < 40 * steps, f"{lost} references to None lost in {steps} repaints"
    if not drops_none_references():
        assert lost <= 0 or lost < steps  # a sound binding loses nothing


def test_cells_still_show_their_colours_and_codes(year_page):
    """The roles Qt's own delegate paints from: a brush for every cell and a font."""
    from PySide6.QtCore import Qt

    model = year_page.model
    for row in (0, model.rowCount() // 2, model.rowCount() - 1):
        for col in range(0, model.columnCount(), 37):
            index = model.index(row, col)
            assert model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
            assert model.data(index, Qt.ItemDataRole.ForegroundRole) is not None
            assert model.data(index, Qt.ItemDataRole.FontRole) is not None
            assert model.data(index) == model.snap.codes[row][col]
    image = year_page.view.viewport().grab().toImage()
    # Present marks are green: the grid is painted in the category colours.
    greens = sum(1 for x in range(5, image.width(), 23) for y in range(5, image.height(), 11)
                 if image.pixelColor(x, y).name() == "#d4efd4")
    assert greens > 50
