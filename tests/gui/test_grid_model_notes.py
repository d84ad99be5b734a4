"""The grid model's comment-corner index follows writes and live refreshes."""

from __future__ import annotations

import datetime as dt

from attendance_desktop.gui.register.grid_model import RegisterGridModel
from attendance_desktop.services.register import grid_service
from attendance_desktop.services.register.register_service import CellMark
from tests.services.register_school import make_school

THU = dt.date(2025, 11, 20)


def test_comment_corners_follow_writes_and_refreshes(engine, school_year, qapp):  # type: ignore[no-untyped-def]
    school = make_school(engine)
    snap = grid_service.load_snapshot(engine, dt.date(2025, 11, 17), dt.date(2025, 11, 21),
                                      school.oak)
    model = RegisterGridModel(snap, THU)
    pid = snap.pupils[1].id
    row, col = snap.row_index(pid), snap.column_index(THU, "AM")
    everywhere = (0, len(snap.pupils) - 1, 0, len(snap.columns) - 1)
    assert model.notes_in(*everywhere) == []

    def cell(code: str, comment: str) -> CellMark:
        return CellMark(pid, THU, "AM", code, None, comment, "register", "T", "office", None)

    model.apply_cells((cell("M", "Dentist"),))
    assert model.notes_in(*everywhere) == [(row, col)]
    assert model.notes_in(row, row, col + 1, col + 3) == []  # outside the columns asked
    model.apply_cells((cell("/", ""),))
    assert model.notes_in(*everywhere) == []
    # A live refresh brings comments written elsewhere.
    fresh = grid_service.load_snapshot(engine, snap.start, snap.end, school.oak)
    fresh.extras[(row, col)] = (None, "Written on another PC")
    assert model.take_values(fresh)
    assert model.notes_in(*everywhere) == [(row, col)]
