"""The Leave area: lists of requests with filters, and the actions on them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.column_widths import fit_columns
from attendance_desktop.gui.common import MessageLabel, pydate
from attendance_desktop.gui.flow_layout import FlowLayout, pair
from attendance_desktop.gui.leave.decision_dialog import DecisionDialog
from attendance_desktop.gui.leave.request_dialog import RequestDialog, date_edit
from attendance_desktop.gui.leave.taken_dialog import TakenDialog
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.leave import leave_decisions, leave_reads
from attendance_desktop.services.leave.leave_records import RequestRow
from attendance_desktop.services.letters import letter_layout, letter_service
from attendance_desktop.services.pupils import class_service, pupil_service

FILTERS = (("Waiting for a decision", "pending"), ("Upcoming granted leave", "upcoming"),
           ("Granted", "granted"), ("Refused", "refused"), ("Withdrawn", "withdrawn"),
           ("All requests", "all"))
COLUMNS = ("#", "Pupil", "Class", "Dates", "Sessions", "Ground", "Status", "Received",
           "Decided")
# Row tints by status (named in gui/theme.py, light and dark).
STATUS_COLOURS = {"pending": "tint_pending", "granted": "tint_granted",
                  "part_granted": "tint_granted", "refused": "tint_refused",
                  "taken_unauthorised": "tint_unauthorised", "withdrawn": "tint_neutral"}


def print_letter(parent: QWidget, ctx: AppContext, template_key: str, pupil_ids: list[int],
                 extra: dict[str, str] | None, file_stem: str) -> Path | None:
    """Ask where to save, make the letter through the letters service (recorded in the
    letters log) and write the PDF. Returns the file, or None if cancelled or refused."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save the letter as a PDF",
                                          str(Path.home() / f"{file_stem}.pdf"),
                                          "PDF files (*.pdf)")
    if not path:
        return None
    try:
        _log_id, pdf = letter_service.record_letter(ctx.engine, ctx.actor, template_key,
                                                    pupil_ids, today=ctx.today(), extra=extra)
        Path(path).write_bytes(pdf)
    except (ServiceError, OSError) as exc:
        QMessageBox.warning(parent, "Letters", f"The letter was not made: {exc}")
        return None
    return Path(path)


class LeaveWidget(QWidget):
    def __init__(self, ctx: AppContext, navigator: Navigator | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.setObjectName("leavePage")
        self.rows: list[RequestRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)

        # The rows of buttons and filters wrap (FlowLayout) at 125-150% scaling rather than
        # pushing the page wider than the window.
        top = FlowLayout(spacing=6)
        title = QLabel("<h2>Leave of absence</h2>")
        title.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        top.addWidget(title)
        self.new_button = QPushButton("&New request…")
        self.new_button.setObjectName("newRequest")
        self.new_button.setToolTip("Record a parent's request (Ctrl+N)")
        self.new_button.clicked.connect(self.new_request)
        self.blank_button = QPushButton("Print request &form…")
        self.blank_button.setObjectName("requestForm")
        self.blank_button.setToolTip("The request form for families to fill in, with a summary"
                                     " of the school's policy: blank, or made out for a child")
        self.blank_button.clicked.connect(self.print_blank_form)
        self.assess_button = QPushButton("&Assessment dates…")
        self.assess_button.setObjectName("assessmentDates")
        self.assess_button.setToolTip("Statutory assessment dates are kept in Settings >"
                                      " Calendar; the checks read them")
        self.assess_button.clicked.connect(self.open_assessment_dates)
        for b in (self.new_button, self.blank_button, self.assess_button):
            top.addWidget(b)
        layout.addLayout(top)

        filters = FlowLayout(spacing=6)
        self.status = QComboBox()
        for label, key in FILTERS:
            self.status.addItem(label, key)
        self.status.setAccessibleName("Show")
        self.status.setObjectName("statusFilter")
        self.klass = QComboBox()
        self.klass.addItem("All classes", None)
        for c in class_service.list_classes(ctx.engine):
            self.klass.addItem(c.name, c.id)
        self.klass.setAccessibleName("Class")
        self.klass.setObjectName("classFilter")
        self.use_dates = QCheckBox("Dates between")
        self.use_dates.setObjectName("useDates")
        self.use_dates.setAccessibleName("Only leave between two dates")
        today = ctx.today()
        self.start = date_edit("From", today - dt.timedelta(days=30))
        self.end = date_edit("To", today + dt.timedelta(days=90))
        show_label = QLabel("&Show:")
        show_label.setBuddy(self.status)
        filters.addWidget(pair(show_label, self.status))
        filters.addWidget(pair(QLabel("Class:"), self.klass))
        dates = QWidget()
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(12, 0, 0, 0)
        for w in (self.use_dates, self.start, QLabel("and"), self.end):
            dates_row.addWidget(w)
        filters.addWidget(dates)
        self.count = QLabel()
        self.count.setObjectName("leaveCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        filters.addWidget(self.count)
        layout.addLayout(filters)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("leaveTable")
        self.table.setAccessibleName("Leave requests")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((44, 170, 80, 300, 70, 60, 180, 100)):
            self.table.setColumnWidth(col, width)  # until the rows arrive: fit_columns
        self.table.doubleClicked.connect(self.open_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)

        actions = FlowLayout(spacing=6)
        self.open_button = QPushButton("&Open / decide…")
        self.open_button.setObjectName("openRequest")
        self.open_button.setToolTip("See the request, its figures and checks; the headteacher"
                                    " records the decision here (Enter)")
        self.open_button.clicked.connect(self.open_selected)
        self.withdraw_button = QPushButton("&Withdraw…")
        self.withdraw_button.setObjectName("withdrawRequest")
        self.withdraw_button.setToolTip("The family withdrew the request: leave marks for"
                                        " sessions still to come are removed")
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.taken_button = QPushButton("Refused but &taken: mark G…")
        self.taken_button.setObjectName("markTaken")
        self.taken_button.setToolTip("The pupil was absent on refused leave: mark those"
                                     " sessions G (unauthorised), each change recorded")
        self.taken_button.clicked.connect(self.mark_taken_selected)
        self.letter_button = QPushButton("Print decision &letter…")
        self.letter_button.setObjectName("printLetter")
        self.letter_button.setToolTip("The granted or refused letter for the family")
        self.letter_button.clicked.connect(self.print_selected_letter)
        for b in (self.open_button, self.withdraw_button, self.taken_button,
                  self.letter_button):
            actions.addWidget(b)
        layout.addLayout(actions)
        self.message = MessageLabel("leaveMessage")
        layout.addWidget(self.message)

        new_action = QAction(self)
        new_action.setShortcut(QKeySequence.StandardKey.New)
        new_action.triggered.connect(self.new_request)
        self.addAction(new_action)
        open_action = QAction(self)
        open_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        open_action.triggered.connect(self.open_selected)
        self.table.addAction(open_action)

        self.status.currentIndexChanged.connect(self.refresh)
        self.klass.currentIndexChanged.connect(self.refresh)
        self.use_dates.toggled.connect(self.refresh)
        self.start.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.refresh)
        self.refresh()

    # -- the list --------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        dated = self.use_dates.isChecked()
        self.start.setEnabled(dated)
        self.end.setEnabled(dated)
        kept = self.selected_id()
        try:
            self.rows = leave_reads.list_requests(
                self.ctx.engine, today=self.ctx.today(), status=str(self.status.currentData()),
                class_id=self.klass.currentData(),
                start=pydate(self.start.date()) if dated else None,
                end=pydate(self.end.date()) if dated else None)
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            values = (str(r.id), r.pupil_name, r.class_name, r.dates_text, str(r.sessions),
                      r.ground, r.status_label, f"{r.received_date:%d %b %Y}",
                      f"{r.decided_on:%d %b %Y} {r.decided_by}" if r.decided_on else "")
            colour = theme.colour(STATUS_COLOURS.get(r.status, "tint_neutral"))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 6:
                    item.setBackground(colour)
                if col in (0, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(f"{r.pupil_name}: {r.dates_text}\n{r.status_label}"
                                + (f"\nReason: {r.reason}" if r.reason else ""))
                self.table.setItem(i, col, item)
        fit_columns(self.table, {3: 300})
        self.count.setText(f"{len(self.rows)} request(s)")
        for i, r in enumerate(self.rows):
            if r.id == kept:
                self.table.selectRow(i)
                break
        else:
            if self.rows:
                self.table.selectRow(0)
        self._selection_changed()

    def selected_row(self) -> RequestRow | None:
        index = self.table.currentRow()
        sel = self.table.selectionModel().selectedRows()
        if not sel or not 0 <= index < len(self.rows):
            return None
        return self.rows[index]

    def selected_id(self) -> int | None:
        row = self.selected_row() if hasattr(self, "table") and self.rows else None
        return row.id if row else None

    def select_request(self, request_id: int) -> bool:
        for i, r in enumerate(self.rows):
            if r.id == request_id:
                self.table.selectRow(i)
                return True
        return False

    @Slot()
    def _selection_changed(self) -> None:
        row = self.selected_row()
        status = row.status if row else ""
        self.open_button.setEnabled(row is not None)
        can_amend = self.ctx.actor.can_amend
        self.withdraw_button.setEnabled(can_amend and row is not None and status != "withdrawn")
        self.taken_button.setEnabled(can_amend and status in ("refused", "taken_unauthorised"))
        self.letter_button.setEnabled(status in ("granted", "part_granted", "refused",
                                                 "taken_unauthorised"))

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def new_request(self) -> None:
        dialog = RequestDialog(self.ctx, self)
        if dialog.exec() and dialog.submitted_id is not None:
            self.status.setCurrentIndex(0)
            self.refresh()
            self.select_request(dialog.submitted_id)
            self.message.show_ok(f"Request #{dialog.submitted_id} recorded; it is waiting for"
                                 " the headteacher's decision.")

    @Slot()
    def open_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        dialog = DecisionDialog(self.ctx, row.id, self)
        dialog.decided.connect(self._decided)
        dialog.letterRequested.connect(self.print_letter_for)
        dialog.exec()
        self.refresh()

    @Slot(int)
    def _decided(self, _request_id: int) -> None:
        self.refresh()

    @Slot()
    def withdraw_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        reason, ok = QInputDialog.getText(
            self, "Withdraw request",
            f"Withdraw request #{row.id} for {row.pupil_name}?\nLeave marks for sessions still"
            " to come are removed (past ones stay).\n\nWho withdrew it, and why:")
        if not ok:
            return
        try:
            res = leave_decisions.withdraw(self.ctx.engine, self.ctx.actor, row.id, reason=reason,
                                           now=self.ctx.now())
        except ServiceError as exc:
            self.message.show_error(f"Not withdrawn: {exc}")
            return
        self.refresh()
        self.message.show_ok(f"Request #{row.id} withdrawn; {res.removed} leave mark(s) for"
                             " sessions still to come taken off the register.")

    @Slot()
    def mark_taken_selected(self) -> None:
        """Show exactly which sessions become G (and from what) before anything is written."""
        row = self.selected_row()
        if row is None:
            return
        try:
            dialog = TakenDialog(self.ctx, row.id, row.pupil_name, self)
        except ServiceError as exc:
            self.message.show_error(f"Not marked: {exc}")
            return
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.outcome is None:
            return
        res = dialog.outcome
        self.refresh()
        self.message.show_ok(f"{res.written} session(s) marked G for {row.pupil_name}"
                             + (f"; {res.skipped} left alone" if res.skipped else "") + ".")

    @Slot()
    def print_selected_letter(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.print_letter_for(row.id)

    @Slot(int)
    def print_letter_for(self, request_id: int) -> None:
        row = leave_reads.get_request(self.ctx.engine, request_id)
        key = letter_key(row.status)
        extra = leave_reads.letter_extra(self.ctx.engine, request_id)
        stem = f"leave {request_id} {row.pupil_name} {row.status.replace('_', ' ')}"
        saved = print_letter(self, self.ctx, key, [row.pupil_id], extra, stem)
        if saved is not None:
            self.message.show_ok(f"Decision letter for request #{request_id} saved to {saved}"
                                 " and recorded in the letters log.")

    @Slot()
    def print_blank_form(self) -> None:
        """A blank form for families to take away, or one made out for a child."""
        pupils = pupil_service.list_pupils(self.ctx.engine)
        blank = "A blank form (nothing filled in)"
        labels = [blank] + [f"{p.name} ({p.class_name or 'no class'})" for p in pupils]
        row = self.selected_row()
        current = next((i + 1 for i, p in enumerate(pupils) if row and p.id == row.pupil_id),
                       0)
        chosen, ok = QInputDialog.getItem(
            self, "Leave request form", "Print a blank form, or one made out for a child\n"
            "(name, class and attendance filled in, and kept in the letters log):",
            labels, current, False)
        if not ok or chosen not in labels:
            return
        if chosen == blank:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save the blank form as a PDF", str(Path.home() / "leave request form.pdf"),
                "PDF files (*.pdf)")
            if not path:
                return
            try:
                pdf = letter_layout.render_blank_form(self.ctx.engine, "leave_request_form",
                                                       today=self.ctx.today())
                Path(path).write_bytes(pdf)
            except (ServiceError, OSError) as exc:
                QMessageBox.warning(self, "Letters", f"The form was not made: {exc}")
                return
            self.message.show_ok(f"Blank request form saved to {path}.")
            return
        pupil = pupils[labels.index(chosen) - 1]
        saved = print_letter(self, self.ctx, "leave_request_form", [pupil.id], None,
                             f"leave request form {pupil.name}")
        if saved is not None:
            self.message.show_ok(f"Request form for {pupil.name} saved to {saved}.")

    @Slot()
    def open_assessment_dates(self) -> None:
        self.navigator.show_settings("calendar")


def letter_key(status: str) -> str:
    """The decision letter for a request's status (refused-and-taken has its own, written
    after the event; a part grant lists what was and was not agreed)."""
    return {"refused": "leave_refused", "taken_unauthorised": "leave_refused_taken",
            "part_granted": "leave_part_granted"}.get(status, "leave_granted")
