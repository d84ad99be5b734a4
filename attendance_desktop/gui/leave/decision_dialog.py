"""One request: what was asked, the figures and checks, every decision so far, and (for the
headteacher) the form to record a decision or a correction."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain import leave as rules
from attendance_desktop.gui.leave.figures_widget import FiguresWidget
from attendance_desktop.gui.leave.request_dialog import date_edit, pair, session_box
from attendance_desktop.gui.settings.common import MessageLabel, pydate, qdate
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.leave import leave_service


def request_summary(r: leave_service.RequestRow) -> str:
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


def history_text(rows: list[leave_service.DecisionInfo]) -> str:
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
        self.setObjectName("leaveDecisionDialog")
        self.setWindowTitle(f"Leave request #{request_id}")
        outer = QVBoxLayout(self)
        body = QHBoxLayout()
        outer.addLayout(body, 1)

        left = QVBoxLayout()
        req_box = QGroupBox("The request")
        self.summary = QLabel()
        self.summary.setObjectName("requestSummary")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Request details")
        QVBoxLayout(req_box).addWidget(self.summary)
        left.addWidget(req_box)
        hist_box = QGroupBox("Decisions recorded (never edited; a correction is a new entry)")
        self.history = QLabel()
        self.history.setObjectName("decisionHistory")
        self.history.setWordWrap(True)
        self.history.setAccessibleName("Decisions recorded")
        QVBoxLayout(hist_box).addWidget(self.history)
        left.addWidget(hist_box)

        self.decision_box = QGroupBox("The headteacher's decision")
        form = QFormLayout(self.decision_box)
        self.granted = QRadioButton("Granted in &full")
        self.part = QRadioButton("Granted in &part")
        self.refused = QRadioButton("Re&fused")
        self.outcome = QButtonGroup(self)
        for i, (button, name) in enumerate(((self.granted, "granted"),
                                            (self.part, "part_granted"),
                                            (self.refused, "refused"))):
            button.setObjectName(name)
            button.setAccessibleName(button.text().replace("&", ""))
            self.outcome.addButton(button, i)
        form.addRow("Decision:", pair(self.granted, self.part, self.refused))
        today = ctx.today()
        self.part_first = date_edit("First day granted", today)
        self.part_first_session = session_box("First session granted", "AM")
        self.part_last = date_edit("Last day granted", today)
        self.part_last_session = session_box("Last session granted", "PM")
        self.part_row_1 = pair(self.part_first, self.part_first_session)
        self.part_row_2 = pair(self.part_last, self.part_last_session)
        form.addRow("Granted from:", self.part_row_1)
        form.addRow("Granted to:", self.part_row_2)
        self.reasons = QPlainTextEdit()
        self.reasons.setObjectName("reasons")
        self.reasons.setAccessibleName("Reasons")
        self.reasons.setTabChangesFocus(True)
        self.reasons.setFixedHeight(54)
        self.reasons.setPlaceholderText("Why (needed when refused or granted in part; goes in the"
                                        " letter)")
        self.conditions = QPlainTextEdit()
        self.conditions.setObjectName("conditions")
        self.conditions.setAccessibleName("Conditions")
        self.conditions.setTabChangesFocus(True)
        self.conditions.setFixedHeight(44)
        self.conditions.setPlaceholderText("e.g. return on the agreed date; reading each day")
        self.decided_on = date_edit("Decision date", today)
        form.addRow("Reasons:", self.reasons)
        form.addRow("Conditions:", self.conditions)
        form.addRow("Date:", pair(self.decided_on))
        self.form = form
        left.addWidget(self.decision_box)
        self.message = MessageLabel("decisionMessage")
        left.addWidget(self.message)
        left.addStretch(1)
        holder = QWidget()
        holder.setLayout(left)
        holder.setMinimumWidth(560)
        body.addWidget(holder, 6)
        self.figures = FiguresWidget()
        self.figures.setMinimumWidth(440)
        body.addWidget(self.figures, 5)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.record = QPushButton("&Record decision")
        self.record.setObjectName("recordDecision")
        self.record.setToolTip("Record the decision; granted leave fills the register")
        self.letter = QPushButton("Print decision &letter…")
        self.letter.setObjectName("printDecisionLetter")
        self.letter.setToolTip("The granted or refused letter for the family, as a PDF")
        buttons.addButton(self.record, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.letter, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.record.clicked.connect(self._record)
        self.letter.clicked.connect(self._letter)
        outer.addWidget(buttons)
        self.outcome.idToggled.connect(self._outcome_changed)
        self.load()
        self.resize(1180, 680)

    def load(self) -> None:
        row = leave_service.get_request(self.ctx.engine, self.request_id)
        self.row = row
        self.summary.setText(request_summary(row))
        rows = leave_service.decisions(self.ctx.engine, self.request_id)
        self.history.setText(history_text(rows))
        for edit, day in ((self.part_first, row.first_date), (self.part_last, row.last_date)):
            edit.setMinimumDate(qdate(row.first_date))
            edit.setMaximumDate(qdate(row.last_date))
            edit.setDate(qdate(day))
        self.part_first_session.setCurrentIndex(0 if row.first_session == "AM" else 1)
        self.part_last_session.setCurrentIndex(0 if row.last_session == "AM" else 1)
        try:
            self.figures.show_preview(leave_service.preview_request(
                self.ctx.engine, self.request_id, today=self.ctx.today()))
        except ServiceError as exc:
            self.figures.clear(str(exc))
        may = self.ctx.actor.can_decide_leave and row.status != "withdrawn"
        self.decision_box.setEnabled(may)
        self.record.setEnabled(may)
        if not self.ctx.actor.can_decide_leave:
            self.decision_box.setTitle("The headteacher's decision (only the headteacher can"
                                       " record it)")
        elif row.status == "withdrawn":
            self.decision_box.setTitle("The headteacher's decision (the request was withdrawn)")
        elif rows:
            self.decision_box.setTitle("Correct the decision (recorded as a new entry)")
        self.letter.setEnabled(row.status in ("granted", "part_granted", "refused",
                                              "taken_unauthorised"))
        self._outcome_changed()

    @Slot()
    def _outcome_changed(self) -> None:
        part = self.part.isChecked()
        for w in (self.part_row_1, self.part_row_2):
            w.setVisible(part)
            self.form.labelForField(w).setVisible(part)

    @Slot()
    def _record(self) -> None:
        chosen = {0: "granted", 1: "part_granted", 2: "refused"}.get(self.outcome.checkedId())
        if chosen is None:
            self.message.show_error("Decision: choose granted in full, in part, or refused.")
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
            res = leave_service.decide(
                self.ctx.engine, self.ctx.actor, self.request_id, chosen,
                decided_on=pydate(self.decided_on.date()), now=self.ctx.now(),
                reasons=self.reasons.toPlainText(), conditions=self.conditions.toPlainText(),
                granted_first=(pydate(self.part_first.date()),
                               str(self.part_first_session.currentData())),
                granted_last=(pydate(self.part_last.date()),
                              str(self.part_last_session.currentData())))
        except ServiceError as exc:
            self.message.show_error(f"The decision was not recorded: {exc}")
            return
        self.reasons.clear()
        self.conditions.clear()
        self.load()
        msg = f"Decision recorded: {label}."
        if res.written:
            msg += f" {res.written} register session(s) filled with code {self.row.ground}."
        if res.removed:
            msg += f" {res.removed} leave mark(s) still to come taken off the register."
        self.message.show_ok(msg)
        self.decided.emit(self.request_id)

    @Slot()
    def _letter(self) -> None:
        self.letterRequested.emit(self.request_id)
