"""One pupil's case: summary, next steps, a year of marks, late log, stages and history,
calls, letters and penalty notices; every step recorded through tracker_service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain import escalation, lateness
from attendance_desktop.domain.stats import format_pct
from attendance_desktop.gui import theme
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.gui.tables import fill_table, read_only_table
from attendance_desktop.gui.trackers.case_text import (
    due_text,
    letter_title,
)
from attendance_desktop.gui.trackers.marks_calendar_widget import MarksCalendarWidget
from attendance_desktop.gui.trackers.penalty_widget import PenaltyNoticesWidget
from attendance_desktop.gui.trackers.step_dialog import StepDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.kiosk import kiosk_office
from attendance_desktop.services.letters import letter_layout, letter_service, template_store
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.trackers import alerts_service, tracker_service
from attendance_desktop.services.trackers.alerts_service import DueItem, PupilAlert


def _table(headers: list[str], name: str) -> QTableWidget:
    t = read_only_table(headers, name)
    t.setWordWrap(False)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(t: QTableWidget, rows: list[list[str]]) -> None:
    fill_table(t, rows, tooltips=True)


class PupilCaseWidget(QWidget):
    changed = Signal()
    profileOpened = Signal()  # the full profile is being shown in the Pupils area

    def __init__(self, ctx: AppContext, pupil_id: int,
                 navigator: Navigator | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.pupil_id = pupil_id
        self.alert: PupilAlert | None = None
        self.policy = policy_service.load_policy(ctx.engine)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("caseHeading")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel()
        self.summary.setObjectName("caseSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)

        buttons = QHBoxLayout()
        self.stage_button = self._button("Change &stage…", "Move to a stage of the absence "
                                         "escalation, or close it", self.change_stage, buttons)
        self.review_button = self._button("Absence re&view…", "Record the review at the end "
                                          "of a monitoring period", self.absence_review, buttons)
        self.late_review_button = self._button("&Lateness review…", "Record the end-of-"
                                               "monitoring lateness review",
                                               self.lateness_review, buttons)
        self.mitigation_button = self._button("&Mitigation…", "Record or end mitigating "
                                              "circumstances (pauses escalation)",
                                              self.mitigation, buttons)
        self.profile_button = self._button("Full &profile", "Open the pupil's full profile",
                                           self.full_profile, buttons)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case sections")
        layout.addWidget(self.tabs, 1)
        # next steps
        steps = QWidget()
        sl = QVBoxLayout(steps)
        self.steps = _table(["Tracker", "Next step", "Due", "Letter"], "Next steps")
        self.steps.activated.connect(self.record_selected)  # Enter or double-click
        self.steps.itemSelectionChanged.connect(self._update_buttons)
        sl.addWidget(self.steps)
        row = QHBoxLayout()
        self.done_button = self._button("&Record done…", "Record the selected step as done, "
                                        "with notes (Enter)", self.record_selected, row)
        self.letter_button = self._button("Send le&tter for this step…",
                                          "Make the letter for the selected step, record it "
                                          "in the letters log and save the PDF",
                                          self.send_letter, row)
        row.addStretch(1)
        sl.addLayout(row)
        self.tabs.addTab(steps, "Next steps")
        # calendar
        self.calendar = MarksCalendarWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.calendar)
        self.tabs.addTab(scroll, "Calendar of marks")
        # lateness
        self.late = _table(["Date", "Session", "Code", "Minutes late", "Reason", "Source"],
                           "Late log")
        self.weeks_label = QLabel()
        self.weeks_label.setWordWrap(True)
        late_page = QWidget()
        ll = QVBoxLayout(late_page)
        ll.addWidget(self.weeks_label)
        ll.addWidget(self.late)
        self.tabs.addTab(late_page, "Late log")
        self.history = _table(["When", "Tracker", "Step", "By", "Due", "Details"],
                              "Stages and history")
        self.history.itemSelectionChanged.connect(self._show_history_details)
        self.history_details = QPlainTextEdit()
        self.history_details.setReadOnly(True)
        self.history_details.setObjectName("historyDetails")
        self.history_details.setAccessibleName("Details of the selected step")
        self.history_details.setPlaceholderText("Select a step to read its details in full")
        history_page = QSplitter(Qt.Orientation.Vertical)
        history_page.addWidget(self.history)
        history_page.addWidget(self.history_details)
        history_page.setSizes([300, 120])
        self._history: list[tracker_service.HistoryRow] = []
        self.tabs.addTab(history_page, "Stages and history")
        self.calls = _table(["When", "Method", "Outcome", "Notes", "By"], "Calls")
        self.tabs.addTab(self.calls, "Calls")
        self.letters = _table(["Sent", "Letter", "To", "By"], "Letters")
        self.tabs.addTab(self.letters, "Letters")
        self.penalty = PenaltyNoticesWidget(ctx, pupil_id)
        self.penalty.recorded.connect(self._recorded)
        self.notices = self.penalty.notices
        self.pn_label = self.penalty.pn_label
        self.pn_decision = self.penalty.pn_decision
        self.log_notice = self.penalty.log_notice
        self.notice_status = self.penalty.notice_status
        self.tabs.addTab(self.penalty, "Penalty notices")
        pn_buttons = self.penalty.buttons
        # the services refuse these for other roles too; here they are greyed out with a reason
        if not ctx.actor.can_decide_leave:
            for b in [self.stage_button, self.review_button, self.late_review_button,
                      self.mitigation_button, *pn_buttons]:
                b.setEnabled(False)
                b.setToolTip(b.toolTip() + " (headteacher only)")
        self.refresh()

    def _button(self, text: str, tip: str, slot: Any, layout: QHBoxLayout) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.setAccessibleName(text.replace("&", "").rstrip("…"))
        b.clicked.connect(slot)
        layout.addWidget(b)
        return b

    # -- reading -----------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        on = self.ctx.today()
        snap = alerts_service.snapshot(self.ctx.engine, on, [self.pupil_id])
        self.policy = snap.policy
        self.alert = snap.find(self.pupil_id)
        a = self.alert
        if a is None:
            self.heading.setText("<h2>Pupil not on roll</h2>")
            return
        self.heading.setText(f"<h2>{a.name} <span style='font-weight:normal'>· {a.class_name} "
                             f"· UPN {a.upn or '–'}</span></h2>")
        tags = [t for t, on_ in (("persistent absence", a.persistent),
                                 ("severe absence", a.severe), ("at risk", a.at_risk)) if on_]
        comparison = escalation.COMPARISON_LABELS.get(a.comparison, "")
        stage = a.absence.stage.label if a.absence.stage else "not started"
        if a.absence.paused:
            stage += " — <b>paused (mitigating circumstances)</b>"
        red = theme.hex_colour("error")
        self.summary.setText(
            f"<b>This year:</b> {format_pct(a.attendance_pct)}"
            f"{' (' + ', '.join(tags) + ')' if tags else ''} &nbsp; "
            f"<b>{a.period}:</b> {format_pct(a.period_pct)} — {a.band_label or 'no band'}"
            f"{f'; {a.previous_period}: {format_pct(a.previous_pct)} → {comparison}' if comparison else ''}"  # noqa: E501
            f"{f' &nbsp; <b>{a.running_period} so far:</b> {format_pct(a.running_pct)}' if a.running_period != a.period else ''}"  # noqa: E501
            f"{''.join(f' &nbsp; <b style=color:{red}>⚠ {w}</b>' for w in a.warnings)}"
            f"<br><b>Lateness:</b> {a.lateness.label} ({a.lateness.this_week} this week) &nbsp; "
            f"<b>Absence stage:</b> {stage} &nbsp; <b>Penalty window:</b> {a.pn.sessions} "
            f"unauthorised sessions in {self.policy.pn_window_school_weeks} school weeks "
            f"(threshold {self.policy.pn_sessions})"
            f"{' — threshold met' if a.pn.met else ''}")
        hist = tracker_service.history(self.ctx.engine, self.pupil_id)
        self._history = hist
        # an invitation sent for a meeting still to be held is shown beside its step
        since = {"absence": a.absence.stage_since, "lateness": a.lateness.episode_start}
        invited = {}
        for h in reversed(hist):  # oldest first: the latest invitation wins
            start = since.get(h.tracker)
            if h.kind == "invitation" and start is not None and h.at.date() >= start:
                invited[(h.tracker, h.value)] = h.at.date()

        def letter_cell(d: DueItem) -> str:
            title = letter_title(d.letter)
            sent = invited.get((d.tracker, d.key))
            return f"{title} (sent {sent:%d %b})" if sent and title else title

        _fill(self.steps, [[d.tracker.capitalize(), d.label, due_text(d, on), letter_cell(d)]
                           for d in a.due])
        if a.due:
            self.steps.selectRow(0)
        self._update_buttons()
        self._load_marks(on)
        _fill(self.history, [[f"{h.at:%d %b %Y %H:%M}", h.tracker, h.label,
                              f"{h.staff_name} ({h.staff_role})",
                              f"{h.due_date:%d %b}" if h.due_date else "",
                              " · ".join(h.details.splitlines())[:200]] for h in hist])
        _fill(self.calls, [[f"{c.called_at:%d %b %Y %H:%M}", c.method, c.outcome, c.notes,
                            c.staff_name] for c in tracker_service.calls_for(
            self.ctx.engine, self.pupil_id)])
        _fill(self.letters, [[f"{x.sent_on:%d %b %Y}", x.title, x.addressee, x.staff_name]
                             for x in letter_service.letters_for_pupil(
                                 self.ctx.engine, self.pupil_id)])
        self.penalty.show_alert(a, self.policy)

    def _load_marks(self, on: dt.date) -> None:
        year = calendar_service.year_containing(self.ctx.engine, on)
        if year is None:
            return
        marks = tracker_service.year_marks(self.ctx.engine, self.pupil_id, year.start, year.end)
        cal = calendar_service.load_calendar(self.ctx.engine)
        self.calendar.set_data(year.start, year.end, {k: v[0] for k, v in marks.items()},
                               set(cal.school_days(year.start, year.end)), on)
        late_rows = sorted((d, s, c, m) for (d, s), (c, m) in marks.items()
                           if c in lateness.LATE_CODES and d <= on)
        kiosk = self._kiosk_reasons(year.start, on)
        _fill(self.late, [[f"{d:%a %d %b %Y}", s, c, "" if m is None else str(m),
                           kiosk.get((d, s), ""), "kiosk" if (d, s) in kiosk else "register"]
                          for d, s, c, m in reversed(late_rows)])
        a = self.alert
        if a is not None:
            recent = [w for w in a.lateness.weeks][-8:]
            self.weeks_label.setText(
                "Late arrivals per school week (latest 8): " + ", ".join(
                    f"w/c {w.monday:%d %b}: {w.lates}" for w in recent))

    def _kiosk_reasons(self, start: dt.date, end: dt.date) -> dict[tuple[dt.date, str], str]:
        try:
            rows = kiosk_office.late_log(self.ctx.engine, start, end)
        except ServiceError:
            return {}
        return {(r.date, r.session): r.reason for r in rows if r.pupil_id == self.pupil_id}

    def _update_buttons(self) -> None:
        item = self.selected_item()
        self.done_button.setEnabled(item is not None)
        self.letter_button.setEnabled(item is not None and bool(item.letter))

    def selected_item(self) -> DueItem | None:
        if self.alert is None:
            return None
        rows = self.steps.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.alert.due):
            return None
        return self.alert.due[rows[0].row()]

    # -- actions -----------------------------------------------------------------------
    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(self.ctx.engine, self.ctx.actor, *args, now=self.ctx.now(), **kwargs)
        except ServiceError as exc:
            QMessageBox.warning(self, "Trackers", str(exc))
            return None
        self.refresh()
        self.changed.emit()
        return result if result is not None else True

    @Slot()
    def record_selected(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        if item.tracker == "lateness" and item.kind == "review":
            self.lateness_review()
            return
        if item.tracker == "absence" and item.kind == "review":
            self.absence_review()
            return
        if item.tracker == "penalty" and item.kind == "review":
            dlg = StepDialog(self, "Notice to Improve review", f"<b>{item.label}</b>",
                             [("improved", "Improved"), ("not_improved", "Not improved")],
                             "Outcome")
            if dlg.exec() == StepDialog.DialogCode.Accepted:
                outcome, notes = dlg.value()
                self._run(tracker_service.record_pn_review, self.pupil_id, outcome, notes)
            return
        if item.tracker == "penalty":
            self.pn_decision()
            return
        required = item.tracker == "flags"
        dlg = StepDialog(self, "Record a step", f"<b>{item.label}</b>", notes_required=required)
        if dlg.exec() != StepDialog.DialogCode.Accepted:
            return
        _, notes = dlg.value()
        if item.tracker == "lateness":
            self._run(tracker_service.record_lateness_action, self.pupil_id, item.key, notes)
        elif item.tracker == "absence":
            self._run(tracker_service.record_absence_action, self.pupil_id, notes)
        elif item.tracker == "flags":
            self._run(tracker_service.acknowledge_flag, self.pupil_id, item.key, notes)

    @Slot()
    def change_stage(self) -> None:
        if self.alert is None:
            return
        policy = self.policy
        # only the ladder for the pupil's band is offered (amber is not red)
        choices = tracker_service.stages_for(self.ctx.engine, self.pupil_id, self.ctx.today())
        band = next((b for b in policy.bands if b.key == self.alert.band_key), None)
        ends = ("" if len(choices) == len(policy.escalation_stages) else
                f" The ladder for {self.alert.band_label or 'this band'} ends at "
                f"<b>{choices[-1][1]}</b>.")
        choices.append(("closed", "Close the escalation (attendance has improved)"))
        current = self.alert.absence.stage.key if self.alert.absence.stage else ""
        nxt = escalation.next_stage(policy, self.alert.absence.stage, band)
        now = self.alert.absence.stage.label if self.alert.absence.stage else "none"
        dlg = StepDialog(self, "Change stage", f"Current stage: <b>{now}</b>.{ends}", choices,
                         "New stage", selected=nxt.key if nxt else current)
        if dlg.exec() == StepDialog.DialogCode.Accepted:
            key, notes = dlg.value()
            self._run(tracker_service.set_stage, self.pupil_id, key, notes)

    @Slot()
    def absence_review(self) -> None:
        if self.alert is None:
            return
        comparison = escalation.COMPARISON_LABELS.get(self.alert.comparison, "no figures")
        band = next((b for b in self.policy.bands if b.key == self.alert.band_key), None)
        following = (escalation.next_stage(self.policy, self.alert.absence.stage, band)
                     if self.alert.absence.stage else None)
        then = (f"Not improved moves to <b>{following.label}</b>." if following else
                "This is the last stage for this band: not improved keeps monitoring here.")
        dlg = StepDialog(self, "Absence review",
                         f"{self.alert.previous_period}: {format_pct(self.alert.previous_pct)} → "
                         f"{self.alert.period}: {format_pct(self.alert.period_pct)} "
                         f"(<b>{comparison}</b>). {then}",
                         list(tracker_service.REVIEW_OUTCOMES.items()), "Outcome",
                         selected=self.alert.comparison)
        if dlg.exec() == StepDialog.DialogCode.Accepted:
            outcome, notes = dlg.value()
            self._run(tracker_service.record_absence_review, self.pupil_id, outcome, notes)

    @Slot()
    def lateness_review(self) -> None:
        if self.alert is None:
            return
        status = self.alert.lateness
        hint = {"improved": "The figures suggest: improved.",
                "not_improved": "The figures suggest: not improved."}.get(
            status.suggested_review, "")
        dlg = StepDialog(self, "Lateness review",
                         f"Level: <b>{status.label}</b>. Improved → keep monitoring; not "
                         f"improved → next step of the flowchart. {hint}",
                         [("improved", "Improved: keep monitoring"),
                          ("not_improved", "Not improved: next level")], "Outcome",
                         selected=status.suggested_review)
        if dlg.exec() == StepDialog.DialogCode.Accepted:
            outcome, notes = dlg.value()
            self._run(tracker_service.record_lateness_review, self.pupil_id, outcome, notes)

    @Slot()
    def mitigation(self) -> None:
        if self.alert is None:
            return
        if self.alert.absence.paused:
            if QMessageBox.question(self, "Mitigating circumstances",
                                    "End the mitigating circumstances? Escalation resumes."
                                    ) == QMessageBox.StandardButton.Yes:
                self._run(tracker_service.end_mitigation, self.pupil_id, "")
            return
        reason, ok = QInputDialog.getText(self, "Mitigating circumstances",
                                          "What are the circumstances (e.g. long-term illness)?")
        if ok and reason.strip():
            self._run(tracker_service.start_mitigation, self.pupil_id, reason)

    @Slot()
    def _recorded(self) -> None:
        self.refresh()
        self.changed.emit()

    @Slot()
    def _show_history_details(self) -> None:
        rows = self.history.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._history):
            self.history_details.clear()
            return
        h = self._history[rows[0].row()]
        self.history_details.setPlainText(
            f"{h.label} — {h.at:%d %b %Y %H:%M}, {h.staff_name} ({h.staff_role})\n"
            + (h.details or "(no details)"))

    @Slot()
    def send_letter(self) -> None:
        item = self.selected_item()
        if item is None or not item.letter or self.alert is None:
            return
        extra: dict[str, str] = {}
        try:
            for name in template_store.inputs_needed(self.ctx.engine, item.letter):
                key = name.split(":", 1)[-1] if name.startswith("extra:") else name
                label = letter_layout.input_label(name)
                text, ok = QInputDialog.getText(self, "Letter", f"{label}:")
                if not ok:
                    return
                extra[key] = text
            # a band or review letter quotes the figures the band came from
            period = self.alert.period_span if item.tracker == "absence" else None
            _log_id, pdf = letter_service.record_letter(
                self.ctx.engine, self.ctx.actor, item.letter, [self.pupil_id],
                today=self.ctx.today(), extra=extra, period=period)
        except ServiceError as exc:
            QMessageBox.warning(self, "Letter", str(exc))
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the letter", f"{self.ctx.today():%Y-%m-%d} {item.letter} "
            f"{self.alert.name}.pdf", "PDF files (*.pdf)")
        if path:
            with open(path, "wb") as fh:
                fh.write(pdf)
        self.refresh()
        self.changed.emit()
        if not tracker_service.letter_completes_step(item.letter):
            # an invitation is not the meeting: record it, and keep the meeting due
            if item.tracker in ("lateness", "absence"):
                try:
                    tracker_service.record_invitation(
                        self.ctx.engine, self.ctx.actor, self.pupil_id, item.tracker, item.key,
                        f"Letter “{template_store.letter_title(item.letter)}” sent")
                except ServiceError as exc:
                    QMessageBox.warning(self, "Trackers", str(exc))
                self.refresh()
                self.changed.emit()
            QMessageBox.information(self, "Invitation sent", "The invitation is in the "
                                    f"letters log. Record “{item.label}” when the meeting "
                                    "has been held.")
            return
        if item.kind in ("action", "start") and QMessageBox.question(
                self, "Letter sent", f"The letter is in the letters log. Record "
                f"“{item.label}” as done now?") == QMessageBox.StandardButton.Yes:
            note = f"Letter “{template_store.letter_title(item.letter)}” sent"
            if item.tracker == "lateness":
                self._run(tracker_service.record_lateness_action, self.pupil_id, item.key, note)
            elif item.tracker == "absence":
                self._run(tracker_service.record_absence_action, self.pupil_id, note)

    @Slot()
    def full_profile(self) -> None:
        if not self.navigator.attached:
            QMessageBox.information(self, "Pupil", "The full profile is not available here.")
            return
        self.profileOpened.emit()
        self.navigator.show_pupil(self.pupil_id)
