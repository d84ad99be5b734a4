"""Trackers board: how many pupils moved between attendance bands from the previous
monitoring period to this one (a grid with the numbers in it, and the same as a table)."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from attendance_desktop.gui.charts import plots
from attendance_desktop.gui.charts.chart_panel_widget import ChartPanelWidget
from attendance_desktop.services.reports import chart_data
from attendance_desktop.services.reports.chart_data import BandMoves


class BandMovesWidget(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.moves: BandMoves | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.panel = ChartPanelWidget("Band moves")
        self.panel.setObjectName("chart_band_moves")
        layout.addWidget(self.panel)

    def show_snapshot(self, snapshot: Any) -> None:
        """From the board's tracker snapshot (already counted): no extra query."""
        if snapshot is None:
            self.panel.set_message("No term dates: no bands to compare.")
            return
        self.moves = chart_data.band_moves(snapshot.policy, snapshot.pupils)
        m = self.moves
        self.panel.set_chart(m.table(), partial(plots.band_moves_plot, m))
        self.panel.heading.setText(
            f"<b>{m.table().title}</b>: {m.moved_up()} moved up a band or more, "
            f"{m.moved_down()} moved down, {m.stayed()} stayed (rows: band before; "
            "columns: band now)")
