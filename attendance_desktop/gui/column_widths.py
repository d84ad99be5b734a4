"""Column widths from the content: each column as wide as its heading and the widest of
its first rows (a sample, so a 2,000-pupil table sizes in a millisecond or two), within a
cap; a cell still too long is elided with "…" and its tooltip shows the whole text."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableView

SAMPLE_ROWS = 300
PADDING = 14  # the style's cell margins and a little air


def fit_columns(view: QTableView, caps: Mapping[int, int] | None = None,
                default_cap: int = 320, minimum: int = 36) -> None:
    """Set Interactive columns to their content width (Stretch columns are left alone)."""
    model = view.model()
    if model is None:
        return
    header = view.horizontalHeader()
    cell_metrics = view.fontMetrics()
    head_metrics = header.fontMetrics()
    rows = min(model.rowCount(), SAMPLE_ROWS)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    for col in range(model.columnCount()):
        if header.sectionResizeMode(col) != QHeaderView.ResizeMode.Interactive \
                or header.isSectionHidden(col):
            continue
        title = model.headerData(col, Qt.Orientation.Horizontal)
        widest = max((head_metrics.horizontalAdvance(line)
                      for line in str(title or "").splitlines()), default=0)
        for row in range(rows):
            text = model.index(row, col).data(Qt.ItemDataRole.DisplayRole)
            if text is not None:
                widest = max(widest, cell_metrics.horizontalAdvance(str(text)))
        cap = (caps or {}).get(col, default_cap)
        view.setColumnWidth(col, max(minimum, min(cap, widest + PADDING)))
