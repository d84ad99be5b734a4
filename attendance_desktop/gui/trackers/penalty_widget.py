"""The case view's penalty-notice page: the rolling window, the head's considerations as
questions and answers, and the notice log with what each notice costs from its own dates.
Every step goes through tracker_service."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.policy import Policy
from attendance_desktop.gui.tables import fill_table, read_only_table
from attendance_desktop.gui.trackers.step_dialog import (
    NoticeDialog,
    NoticeUpdateDialog,
    PenaltyDecisionDialog,
)
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.trackers import tracker_service
from attendance_desktop.services.trackers.alerts_service import PupilAlert


def considerations_html(items: list[tracker_service.Consideration]) -> str:
    """The head's decisions, newest first, each as its questions and answers."""
    if not items:
        return "<p>No penalty-notice decision recorded.</p>"
    parts = []
    for c in items:
        rows = "".join(f"<li><b>{html.escape(q)}</b><br>{html.escape(a)}</li>"
                       for q, a in c.answers)
        parts.append(
            f"<h4>{html.escape(c.decision)} — {c.at:%d %b %Y} by {html.escape(c.staff_name)}"
            f"</h4><ul>{rows}</ul>"
            f"<p><b>Reasons:</b> {html.escape(c.reasons) or '—'}</p>")
    return "".join(parts)


class PenaltyNoticesWidget(QWidget):
    """Emits `recorded` after anything is saved (the case view refreshes)."""

    recorded = Signal()

    def __init__(self, ctx: AppContext, pupil_id: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.pupil_id = pupil_id
        self.alert: PupilAlert | None = None
        self.policy = Policy()
        self._notices: list[tracker_service.NoticeInfo] = []
        layout = QVBoxLayout(self)
        self.pn_label = QLabel()
        self.pn_label.setWordWrap(True)
        layout.addWidget(self.pn_label)
        split = QSplitter(Qt.Orientation.Vertical)
        self.notices = read_only_table(
            ["Issued", "To", "Notice", "Payment", "Status", "Status date", "Notes"],
            "Penalty notices")
        self.notices.setWordWrap(False)
        self.notices.horizontalHeader().setStretchLastSection(True)
        split.addWidget(self.notices)
        below = QWidget()
        bl = QVBoxLayout(below)
        bl.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>The head's considerations</b> (newest first)")
        bl.addWidget(heading)
        self.considerations = QTextBrowser()
        self.considerations.setObjectName("pnConsiderations")
        self.considerations.setAccessibleName("The head's penalty-notice considerations")
        heading.setBuddy(self.considerations)
        bl.addWidget(self.considerations, 1)
        split.addWidget(below)
        split.setSizes([180, 360])
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        self.buttons = [
            self._button("Head's &considerations…", "Record the considerations and decision",
                         self.pn_decision, row),
            self._button("Log a &notice…", "Log a penalty notice issued to a parent, with "
                         "the date it was issued", self.log_notice, row),
            self._button("Payment or &withdrawal…", "Record the selected notice's payment "
                         "(date and amount), withdrawal or prosecution", self.notice_status,
                         row)]
        row.addStretch(1)
        layout.addLayout(row)

    def _button(self, text: str, tip: str, slot: object, row: QHBoxLayout) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.setAccessibleName(text.replace("&", "").rstrip("…"))
        b.clicked.connect(slot)
        row.addWidget(b)
        return b

    @property
    def table(self) -> QTableWidget:
        return self.notices

    def show_alert(self, alert: PupilAlert, policy: Policy) -> None:
        self.alert, self.policy = alert, policy
        notices = tracker_service.notices_for(self.ctx.engine, self.pupil_id)
        self._notices = notices
        today = self.ctx.today()
        fill_table(self.notices, [
            [f"{n.issued_on:%d %b %Y}", n.parent, "first" if n.number == 1 else "second",
             n.payment_text(today), n.status,
             f"{n.status_date:%d %b %Y}" if n.status_date else "", n.notes]
            for n in notices], tooltips=True)
        self.considerations.setHtml(considerations_html(
            tracker_service.considerations(self.ctx.engine, self.pupil_id)))
        pn = alert.pn
        window = (f"{pn.first_week:%d %b %Y} to the week of {pn.last_week:%d %b %Y}"
                  if pn.first_week and pn.last_week else "no school weeks yet")
        codes = ", ".join(policy.pn_codes)
        self.pn_label.setText(
            f"Unauthorised sessions ({codes}) in the last {policy.pn_window_school_weeks} "
            f"school weeks ({window}): <b>{pn.sessions}</b>. "
            + ("Threshold met" + (f" on {pn.met_on:%d %b %Y}" if pn.met_on else "")
               + (" — decision recorded." if alert.penalty_decided else
                  " — the head's considerations are due.") if pn.met else
               "Threshold not met."))

    def _saved(self) -> None:
        self.recorded.emit()

    @Slot()
    def pn_decision(self) -> None:
        if self.alert is None:
            return
        pn = self.alert.pn
        dlg = PenaltyDecisionDialog(
            self, self.alert.name, f"{pn.sessions} unauthorised sessions in the last "
            f"{self.policy.pn_window_school_weeks} school weeks", self.policy.pn_considerations,
            tracker_service.PN_DECISIONS)
        if dlg.exec() != PenaltyDecisionDialog.DialogCode.Accepted:
            return
        answers, decision, reasons = dlg.value()
        try:
            tracker_service.record_pn_decision(self.ctx.engine, self.ctx.actor, self.pupil_id,
                                               answers, decision, reasons, now=self.ctx.now())
        except ServiceError as exc:
            QMessageBox.warning(self, "Penalty notices", str(exc))
            return
        self._saved()

    def _preview(self, contact_id: int, issued_on: dt.date) -> str:
        return tracker_service.notice_preview(self.ctx.engine, self.pupil_id, contact_id,
                                              issued_on)

    @Slot()
    def log_notice(self) -> None:
        parents = tracker_service.parents_of(self.ctx.engine, self.pupil_id)
        if not parents:
            QMessageBox.information(self, "Penalty notices", "This pupil has no contact with "
                                    "parental responsibility on record.")
            return
        dlg = NoticeDialog(self, parents, self.ctx.today(), self._preview)
        if dlg.exec() != NoticeDialog.DialogCode.Accepted:
            return
        contact, issued, notes = dlg.value()
        try:
            tracker_service.issue_notice(self.ctx.engine, self.ctx.actor, self.pupil_id,
                                         contact, issued, notes, now=self.ctx.now())
        except ServiceError as exc:
            QMessageBox.warning(self, "Penalty notices", str(exc))
            return
        self._saved()

    @Slot()
    def notice_status(self) -> None:
        rows = self.notices.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "Penalty notices", "Select a notice first.")
            return
        notice = self._notices[rows[0].row()]
        if notice.status != "issued":
            QMessageBox.information(self, "Penalty notices",
                                    f"This notice is already {notice.status}.")
            return
        dlg = NoticeUpdateDialog(
            self, f"Notice to {notice.parent}, issued {notice.issued_on:%d %b %Y} "
            f"({'first' if notice.number == 1 else 'second'} notice)",
            notice.terms.describe() if notice.terms else "", notice.issued_on,
            self.ctx.today(),
            lambda day: tracker_service.expected_payment(self.ctx.engine, notice.id, day))
        if dlg.exec() != NoticeUpdateDialog.DialogCode.Accepted:
            return
        outcome, day, amount = dlg.value()
        try:
            if outcome == "paid":
                tracker_service.record_payment(self.ctx.engine, self.ctx.actor, notice.id, day,
                                               amount)
            else:
                tracker_service.set_notice_status(self.ctx.engine, self.ctx.actor, notice.id,
                                                  outcome, day, now=self.ctx.now())
        except ServiceError as exc:
            QMessageBox.warning(self, "Penalty notices", str(exc))
            return
        self._saved()
