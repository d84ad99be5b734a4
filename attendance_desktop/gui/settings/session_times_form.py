"""Session times form: when each register may be marked, when it starts and when it closes
(ui/settings/session_times.ui). The settings page and the set-up wizard both use it."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QLabel, QTimeEdit, QWidget

from attendance_desktop.domain.policy import Policy, PolicyError, SessionTimes
from attendance_desktop.gui.common import pytime, qtime
from attendance_desktop.gui.generated.settings.ui_session_times import Ui_SessionTimesForm


class SessionTimesForm(QWidget):
    validityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = Policy()
        self.ui = Ui_SessionTimesForm()
        self.ui.setupUi(self)
        ui = self.ui
        self.edits: dict[str, list[QTimeEdit]] = {
            "am": [ui.am_1, ui.am_2, ui.am_3], "pm": [ui.pm_1, ui.pm_2, ui.pm_3]}
        self.open_labels: dict[str, QLabel] = {"am": ui.am_open, "pm": ui.pm_open}
        for edits in self.edits.values():
            for edit in edits:
                edit.timeChanged.connect(self._changed)
        self.message = ui.sessionMessage

    def load(self, policy: Policy) -> None:
        self._base = policy
        for key in ("am", "pm"):
            st: SessionTimes = getattr(policy, key)
            for edit, value in zip(self.edits[key], (st.marking_starts, st.late_after,
                                                     st.closes), strict=True):
                edit.blockSignals(True)
                edit.setTime(qtime(value))
                edit.blockSignals(False)
        self._changed()

    def times(self, key: str) -> SessionTimes:
        a, b, c = (pytime(e.time()) for e in self.edits[key])
        return SessionTimes(a, b, c)

    def apply_to(self, policy: Policy) -> Policy:
        """The policy with these session times; raises PolicyError if a rule is broken."""
        new = dataclasses.replace(policy, am=self.times("am"), pm=self.times("pm"))
        new.validate()
        return new

    @Slot()
    def _changed(self) -> None:
        for key in ("am", "pm"):
            self.open_labels[key].setText(f"{self.times(key).open_minutes()} minutes")
        try:
            self.apply_to(self._base)
        except PolicyError as exc:
            self.message.show_error(f"These times break a rule: {exc}.")
            self.validityChanged.emit(False)
            return
        self.message.clear_message()
        self.validityChanged.emit(True)
