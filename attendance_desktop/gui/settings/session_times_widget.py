"""Session times: when each register may be marked, when it starts and when it closes."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.policy import Policy, PolicyError, SessionTimes
from attendance_desktop.gui.settings.common import MessageLabel, hint, pytime, qtime
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import policy_service


class SessionTimesForm(QWidget):
    validityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = Policy()
        grid = QGridLayout()
        heads = ["", "Marking may start", "Register starts (late after)", "Register closes",
                 "Open for"]
        for col, text in enumerate(heads):
            label = QLabel(f"<b>{text}</b>")
            label.setWordWrap(True)
            grid.addWidget(label, 0, col)
        self.edits: dict[str, list[QTimeEdit]] = {}
        self.open_labels: dict[str, QLabel] = {}
        tips = ("Teachers may start marking from this time",
                "Arrivals after this are late (code L)",
                "Arrivals after this are late after the register closed (code U)")
        for row, (key, name) in enumerate((("am", "Morning"), ("pm", "Afternoon")), start=1):
            grid.addWidget(QLabel(name), row, 0)
            edits = []
            for col, tip in enumerate(tips, start=1):
                edit = QTimeEdit()
                edit.setDisplayFormat("HH:mm")
                edit.setAccessibleName(f"{name}: {heads[col].lower()}")
                edit.setObjectName(f"{key}_{col}")
                edit.setToolTip(tip)
                edit.timeChanged.connect(self._changed)
                grid.addWidget(edit, row, col)
                edits.append(edit)
            self.edits[key] = edits
            self.open_labels[key] = QLabel("")
            grid.addWidget(self.open_labels[key], row, 4)
        grid.setColumnStretch(5, 1)
        self.message = MessageLabel("sessionMessage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(hint(
            "National rules: a register may stay open for at most 30 minutes after it starts,"
            " and for the same length of time in the morning and the afternoon. A pupil who"
            " arrives after the register starts is late (L); after it closes, U."))
        layout.addLayout(grid)
        layout.addWidget(self.message)

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


class SessionTimesPage(QWidget):
    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.form = SessionTimesForm()
        self.form.load(policy_service.load_policy(ctx.engine))
        self.save_button = QPushButton("&Save session times")
        self.save_button.setAccessibleName("Save session times")
        self.save_button.setEnabled(ctx.actor.can_edit_settings)
        self.save_button.clicked.connect(self._save)
        self.result = MessageLabel("sessionSaved")
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.result)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        layout.addStretch(1)

    @Slot()
    def _save(self) -> None:
        try:
            new = self.form.apply_to(policy_service.load_policy(self.ctx.engine))
            changed = policy_service.save_policy(self.ctx.engine, self.ctx.actor, new)
        except (PolicyError, ServiceError) as exc:
            self.result.show_error(f"Not saved: {exc}")
            return
        self.result.show_ok("Saved; the change is recorded." if changed else
                            "No changes to save.")
        self.saved.emit()
