"""The pupil profile's chart: attendance so far this year against the policy's bands,
and a strip of the year's marks. Counted off the GUI thread when the tab is shown."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.charts import plots
from attendance_desktop.gui.charts.chart_panel_widget import ChartPanelWidget
from attendance_desktop.gui.workers import JobSignals, start_job
from attendance_desktop.services.reports import chart_data, trend_service
from attendance_desktop.services.reports.chart_data import PupilYear, pct_text
from attendance_desktop.services.school import policy_service


def _pupil_job(engine: Any, pupil_id: int, today: Any) -> Any:
    def job(token: CancelToken) -> Any:
        yield Progress(0, 1, "Counting the pupil's year")
        years = trend_service.history_years(engine, today)
        if not years:
            return None
        y = years[-1]
        token.check()
        return chart_data.pupil_year(engine, pupil_id, (y.name, y.start, y.end),
                                     policy_service.load_policy(engine))
    return job


class PupilChartWidget(QWidget):
    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.pupil_id: int | None = None
        self._loaded_for: int | None = None
        self._signals: JobSignals | None = None
        self.data: PupilYear | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.panel = ChartPanelWidget("Attendance this year")
        self.panel.setObjectName("chart_pupil")
        self.panel.set_message("Choose a pupil.")
        layout.addWidget(self.panel)

    def show_pupil(self, pupil_id: int | None) -> None:
        self.pupil_id = pupil_id
        if self.isVisible():
            self.load()

    def load(self) -> None:
        if self.pupil_id is None or self.pupil_id == self._loaded_for:
            return
        self._loaded_for = self.pupil_id
        self.panel.set_message("Counting…")
        signals = JobSignals(self)
        signals.succeeded.connect(self._loaded)
        signals.failed.connect(self._failed)
        self._signals = signals
        start_job(_pupil_job(self.ctx.engine, self.pupil_id, self.ctx.today()), signals)

    @property
    def loading(self) -> bool:
        return self._signals is not None and self._signals.running

    @Slot()
    def _loaded(self) -> None:
        signals = self.sender()
        if signals is not self._signals or not isinstance(signals, JobSignals):
            return
        data = signals.result
        self.data = data if isinstance(data, PupilYear) else None
        if self.data is None or not self.data.days:
            self.panel.set_message("No marks for this pupil this year.")
            return
        last = self.data.days[-1][1]
        self.panel.set_chart(
            self.data.table(), partial(plots.pupil_plot, self.data),
            f"Attendance so far {pct_text(last)}; band lines at "
            + ", ".join(f"{low:g}%" for _l, low in self.data.bands))
        self.panel.heading.setText(
            f"<b>Attendance this year ({self.data.year}): {pct_text(last)} so far</b> — "
            "dashed lines: the policy's bands; below, each session's mark (green present, "
            "amber authorised, red unauthorised, grey not counted)")

    @Slot()
    def _failed(self) -> None:
        signals = self.sender()
        if signals is self._signals and isinstance(signals, JobSignals):
            self.panel.set_message(f"The chart could not be counted: {signals.error}")

    def showEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().showEvent(event)  # type: ignore[arg-type]
        self.load()
