"""One request: what was asked, the figures and checks, every decision so far, and (for the
headteacher) the form to record a decision or a correction."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QButtonGroup, QDialog, QMessageBox, QWidget

from attendance_desktop.domain import leave as rules
from attendance_desktop.gui.common import pydate, qdate
from attendance_desktop.gui.generated.leave.ui_decision_dialog import Ui_DecisionDialog
from attendance_desktop.gui.leave.request_dialog import fill_sessions
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.leave import (
    leave_decisions,
    leave_reads,
    leave_records,
    leave_requests,
)


def request_summary(r: leave_records.RequestRow) -> str:
    lines = [
        f"<b>{html.escape(r.pupil_name)}</b> ({html.escape(r.class_name or 'no class')},"
        f" year {html.escape(r.year_group)}) — request #{r.id}",
        f"<b>Dates:</b> {r.dates_text} ({r.sessions} sessions)",
        f"<b>Ground:</b> {r.ground} — {html.escape(rules.GROUNDS.get(r.ground, r.ground))}"
        + (" · <b>marked as a holiday</b>" if r.is_holiday else ""),
        f"<b>Asked by:</b> {html.escape(r.requested_by)}"
        + (f" ({html.escape(r.relationship)})" if r.relationship else "")
        + f" · received {r.received_date:%a %d %b %Y}",
    ]
    if r.licence_reference:
        lines.append(f"<b>Licence:</b> {html.escape(r.licence_reference)}")
    if r.review_date:
        lines.append(f"<b>Review date:</b> {r.review_date:%d %b %Y}")
    lines.append(f"<b>Reason:</b> {html.escape(r.reason) or '—'}")
    lines.append(f"<b>Evidence seen:</b> {html.escape(r.evidence) or '—'}")
    lines.append(f"<b>Status:</b> {html.escape(r.status_label)}")
    return "<br>".join(lines)


def history_text(rows: list[leave_records.DecisionInfo]) -> str:
    if not rows:
        return "<i>No decision yet.</i>"
    out = []
    for d in rows:
        line = (f"{d.decided_on:%d %b %Y} — <b>{html.escape(d.label)}</b>"
                f" by {html.escape(d.staff_name)}")
        if d.outcome == "part_granted" and d.granted_first_date and d.granted_last_date:
            line += (f" ({d.granted_first_date:%d %b} {d.granted_first_session} to"
                     f" {d.granted_last_date:%d %b} {d.granted_last_session})")
        if d.reasons:
            line += f"<br>&nbsp;&nbsp;Reasons: {html.escape(d.reasons)}"
        if d.conditions:
            line += f"<br>&nbsp;&nbsp;Conditions: {html.escape(d.conditions)}"
        out.append(line)
    out[-1] += "  <i>(stands)</i>"
    return "<br>".join(out)


class DecisionDialog(QDialog):
    decided = Signal(int)
    letterRequested = Signal(int)

    def __init__(self, ctx: AppContext, request_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.request_id = request_id
        self.ui = Ui_DecisionDialog()
        self.ui.setupUi(self)
        ui = self.ui
        self.setWindowTitle(f"Leave request #{request_id}")
        self.outcome = QButtonGroup(self)
        for i, button in enumerate((ui.granted, ui.part_granted, ui.refused)):
            self.outcome.addButton(button, i)
        today = ctx.today()
        for edit in (ui.part_first, ui.part_last, ui.decided_on):
            edit.setDate(qdate(today))
        fill_sessions(ui.part_first_session, "AM")
        fill_sessions(ui.part_last_session, "PM")
        ui.buttons.rejected.connect(self.reject)
        ui.record.clicked.connect(self._record)
        ui.letter.clicked.connect(self._letter)
        self.outcome.idToggled.connect(self._outcome_changed)
        self.load()

    def load(self) -> None:
        row = leave_reads.get_request(self.ctx.engine, self.request_id)
        self.row = row
        self.ui.summary.setText(request_summary(row))
        rows = leave_reads.decisions(self.ctx.engine, self.request_id)
        self.ui.history.setText(history_text(rows))
        for edit, day in ((self.ui.part_first, row.first_date), (self.ui.part_last, row.last_date)):
            edit.setMinimumDate(qdate(row.first_date))
            edit.setMaximumDate(qdate(row.last_date))
            edit.setDate(qdate(day))
        self.ui.part_first_session.setCurrentIndex(0 if row.first_session == "AM" else 1)
        self.ui.part_last_session.setCurrentIndex(0 if row.last_session == "AM" else 1)
        try:
            self.ui.figures.show_preview(leave_requests.preview_request(
                self.ctx.engine, self.request_id, today=self.ctx.today()))
        except ServiceError as exc:
            self.ui.figures.clear(str(exc))
        may = self.ctx.actor.can_decide_leave and row.status != "withdrawn"
        self.ui.decision_box.setEnabled(may)
        self.ui.record.setEnabled(may)
        if not self.ctx.actor.can_decide_leave:
            self.ui.decision_box.setTitle("The headteacher's decision (only the headteacher"
                                          " can record it)")
        elif row.status == "withdrawn":
            self.ui.decision_box.setTitle("The headteacher's decision (the request was"
                                          " withdrawn)")
        elif rows:
            self.ui.decision_box.setTitle("Correct the decision (recorded as a new entry)")
        self.ui.letter.setEnabled(row.status in ("granted", "part_granted", "refused",
                                                 "taken_unauthorised"))
        self._outcome_changed()

    @Slot()
    def _outcome_changed(self) -> None:
        part = self.ui.part_granted.isChecked()
        for row in (self.ui.part_row_1, self.ui.part_row_2):
            self.ui.form.setRowVisible(row, part)

    @Slot()
    def _record(self) -> None:
        chosen = {0: "granted", 1: "part_granted", 2: "refused"}.get(self.outcome.checkedId())
        if chosen is None:
            self.ui.message.show_error("Decision: choose granted in full, in part, or refused.")
            return
        label = rules.STATUS_LABELS[chosen].lower()
        answer = QMessageBox.question(
            self, "Record decision",
            f"Record the decision '{label}' for {self.row.pupil_name}?\n\nA recorded decision"
            " cannot be edited; a correction is recorded as a new entry."
            + ("\nGranted sessions will be filled in the register." if chosen != "refused"
               else ""))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            res = leave_decisions.decide(
                self.ctx.engine, self.ctx.actor, self.request_id, chosen,
                decided_on=pydate(self.ui.decided_on.date()), now=self.ctx.now(),
                reasons=self.ui.reasons.toPlainText(), conditions=self.ui.conditions.toPlainText(),
                granted_first=(pydate(self.ui.part_first.date()),
                               str(self.ui.part_first_session.currentData())),
                granted_last=(pydate(self.ui.part_last.date()),
                              str(self.ui.part_last_session.currentData())))
        except ServiceError as exc:
            self.ui.message.show_error(f"The decision was not recorded: {exc}")
            return
        self.ui.reasons.clear()
        self.ui.conditions.clear()
        self.load()
        msg = f"Decision recorded: {label}."
        if res.written:
            msg += f" {res.written} register session(s) filled with code {self.row.ground}."
        if res.removed:
            msg += f" {res.removed} leave mark(s) still to come taken off the register."
        self.ui.message.show_ok(msg)
        self.decided.emit(self.request_id)

    @Slot()
    def _letter(self) -> None:
        self.letterRequested.emit(self.request_id)
