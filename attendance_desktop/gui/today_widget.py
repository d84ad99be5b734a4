"""The Today board: registers still to take, absences to chase with phone numbers and a
call log, one step from N to the right code, and old N codes to change to O."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain import codes
from attendance_desktop.domain.stats import format_pct
from attendance_desktop.gui import theme
from attendance_desktop.gui.auto_backup import BackupWarningLabel
from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.flow_layout import FlowLayout
from attendance_desktop.gui.folding_splitter import FoldingSplitter
from attendance_desktop.gui.live_view import LiveWatcher
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.gui.register_check import CheckResultLabel
from attendance_desktop.gui.tables import read_only_table
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.today import dashboard_service
from attendance_desktop.services.today.dashboard_service import Absentee, TodayBoard


def _table(headers: list[str], name: str) -> QTableWidget:
    t = read_only_table(headers, name)
    t.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    t.verticalHeader().setDefaultSectionSize(24)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setMinimumSectionSize(24)
    # a narrow window (125-150% scaling) scrolls the columns rather than hiding the last
    t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    return t


def _modes(t: QTableWidget, modes: list[str]) -> None:
    """Column sizing: 'stretch' takes the spare width, 'contents' fits its text."""
    h = t.horizontalHeader()
    h.setStretchLastSection(False)
    for col, mode in enumerate(modes):
        h.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch if mode == "stretch"
                               else QHeaderView.ResizeMode.ResizeToContents)
    # never so narrow that a heading is cut (a stretched column could shrink past it)
    titles = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    need = sum(h.fontMetrics().horizontalAdvance(x) + 16 for x in titles)
    t.setMinimumWidth(need + 2 * t.frameWidth())


def _item(text: str, data: object = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)  # the whole text when a narrow window cuts the column short
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


class LogCallDialog(QDialog):
    def __init__(self, parent: QWidget | None, absentee: Absentee) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Log a call — {absentee.name}")
        form = QFormLayout(self)
        self.contact = QComboBox()
        self.contact.setAccessibleName("Contact")
        for c in absentee.contacts:
            phone = c.phones[0][1] if c.phones else "no phone"
            self.contact.addItem(f"{c.priority}. {c.name} ({c.relationship}) — {phone}",
                                 c.contact_id)
        self.contact.addItem("Someone else / not listed", None)
        form.addRow("&Contact", self.contact)
        self.outcome = QComboBox()
        self.outcome.setEditable(True)
        self.outcome.setAccessibleName("Outcome")
        self.outcome.addItems(list(dashboard_service.CALL_OUTCOMES))
        form.addRow("&Outcome", self.outcome)
        self.method = QComboBox()
        self.method.setAccessibleName("How")
        self.method.addItems(["phone", "text", "email", "in person", "home visit"])
        form.addRow("&How", self.method)
        self.notes = QLineEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText("What was said (e.g. 'tummy bug, back tomorrow')")
        form.addRow("&Notes", self.notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(520)


class ResolveDialog(QDialog):
    """N (or no mark) to the right code once the family has given a reason."""

    def __init__(self, parent: QWidget | None, absentee: Absentee, board: TodayBoard) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reason known — {absentee.name}")
        form = QFormLayout(self)
        intro = QLabel(f"{board.day:%A %d %B}, {board.session}: now "
                       f"<b>{absentee.code or 'no mark'}</b>. The change is kept with your"
                       " name and the reason.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.code = QComboBox()
        self.code.setAccessibleName("New code")
        for c in codes.codes_valid_on(board.day):
            if c.code not in ("N", "/", "\\", "#"):
                self.code.addItem(f"{c.code} — {c.meaning}", c.code)
        self.code.setCurrentIndex(max(0, self.code.findData("I")))
        form.addRow("&Code", self.code)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason given")
        self.reason.setPlaceholderText("e.g. Mum rang 09:50: sickness bug")
        form.addRow("&Reason given", self.reason)
        self.comment = QLineEdit()
        self.comment.setAccessibleName("Comment or note")
        self.comment.setToolTip("Needed for Y7 (the reason) and B, K, P, V, W (the activity)")
        form.addRow("Co&mment", self.comment)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(560)
        self.reason.setFocus()


class TodayWidget(QWidget):
    def __init__(self, ctx: AppContext, navigator: Navigator | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.board: TodayBoard | None = None
        self.keep_scroll: list[int] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setObjectName("todayHeading")
        self.heading.setWordWrap(True)
        top.addWidget(self.heading, 1)
        refresh = QPushButton("&Refresh")
        refresh.setToolTip("Read everything again from the database (F5)")
        refresh.setShortcut("F5")
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.backup_warning = BackupWarningLabel(ctx)  # stale backups, missing second folder
        layout.addWidget(self.backup_warning)
        self.check_line = CheckResultLabel(ctx)  # the last register check
        layout.addWidget(self.check_line)
        # figures strip: wraps to a second row when narrow (125-150% scaling)
        strip = FlowLayout(spacing=14)
        self.values: dict[str, QLabel] = {}
        for key, label in (("on_roll", "On roll"), ("year_pct", "Attendance this year"),
                           ("persistent", "Persistently absent"),
                           ("severe", "Severely absent"), ("n_today", "N today"),
                           ("late_today", "Late today (L/U)"),
                           ("unmarked", "No mark yet (AM / PM)")):
            figure = QWidget()
            box = QVBoxLayout(figure)
            box.setContentsMargins(0, 0, 0, 0)
            name = QLabel(label)
            theme.set_role(name, "muted")
            value = QLabel()
            value.setObjectName(f"value_{key}")
            value.setAccessibleName(label)
            theme.set_role(value, "figure")
            box.addWidget(name)
            box.addWidget(value)
            strip.addWidget(figure)
            self.values[key] = value
        layout.addLayout(strip)

        split = FoldingSplitter()  # panes stack when narrow (125-150% scaling)
        # registers not taken
        reg_box = QGroupBox("Registers not taken")
        reg_layout = QVBoxLayout(reg_box)
        self.registers = _table(["Class", "Teacher", "Marked"], "Registers not taken")
        _modes(self.registers, ["contents", "stretch", "contents"])
        self.registers_note = QLabel()
        self.registers_note.setWordWrap(True)
        reg_layout.addWidget(self.registers_note)
        reg_layout.addWidget(self.registers)
        open_reg = QPushButton("Open &register")
        open_reg.setToolTip("Open the selected class's register for today")
        open_reg.clicked.connect(self.open_register)
        reg_layout.addWidget(open_reg)
        split.addWidget(reg_box)
        # absences to chase
        chase_box = QGroupBox("To chase: no mark or N this session")
        chase_layout = QVBoxLayout(chase_box)
        self.chase = _table(["Pupil", "Class", "Mark", "First contact", "Calls"],
                            "Pupils to chase")
        self.chase.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        _modes(self.chase, ["stretch", "contents", "contents", "contents", "contents"])
        self.chase.itemSelectionChanged.connect(self._show_pupil)
        chase_layout.addWidget(self.chase)
        split.addWidget(chase_box)
        # the selected pupil
        pupil_box = QGroupBox("Contacts and calls")
        pupil_layout = QVBoxLayout(pupil_box)
        self.pupil_label = QLabel("Choose a pupil on the left.")
        self.pupil_label.setWordWrap(True)
        pupil_layout.addWidget(self.pupil_label)
        self.contacts = _table(["#", "Contact", "Phone"], "Contacts in priority order")
        _modes(self.contacts, ["contents", "stretch", "contents"])
        pupil_layout.addWidget(self.contacts, 1)
        self.calls = _table(["When", "By", "Contact", "Outcome"],
                            "Calls in the last two weeks")
        self.calls.setToolTip("Calls about this pupil in the last 14 days, newest first")
        self.calls.setColumnWidth(0, 84)
        self.calls.setColumnWidth(1, 84)
        self.calls.setColumnWidth(2, 100)
        pupil_layout.addWidget(self.calls, 1)
        buttons = QHBoxLayout()
        self.log_btn = QPushButton("&Log call…")
        self.log_btn.setToolTip("Record a call: who, which contact, the outcome")
        self.log_btn.clicked.connect(self.log_call)
        self.resolve_btn = QPushButton("Reason &known…")
        self.resolve_btn.setToolTip("Change N (or no mark) to the right code with the reason"
                                    " the family gave")
        self.resolve_btn.clicked.connect(self.resolve)
        buttons.addWidget(self.log_btn)
        buttons.addWidget(self.resolve_btn)
        self.email_btn = QPushButton("&Email families…")  # first-day messages (issue 17)
        self.email_btn.setToolTip("Email the families of pupils with no reason yet")
        self.email_btn.clicked.connect(self.email_families)
        buttons.addWidget(self.email_btn)
        pupil_layout.addLayout(buttons)
        split.addWidget(pupil_box)
        split.setSizes([230, 520, 430])
        layout.addWidget(split, 1)
        # overdue N
        self.overdue_box = QGroupBox()
        od_layout = QHBoxLayout(self.overdue_box)
        self.overdue = _table(["Pupil", "Class", "Session", "Replace by", "Status"],
                              "Earlier N codes")
        self.overdue.setToolTip("An N (reason not yet known) must be replaced within the"
                                " policy's school days; after that it is overdue")
        self.overdue.setColumnWidth(0, 200)
        self.overdue.setColumnWidth(1, 80)
        self.overdue.setColumnWidth(2, 130)
        self.overdue.setColumnWidth(3, 110)
        self.overdue.setMaximumHeight(118)
        od_layout.addWidget(self.overdue, 1)
        self.to_o_btn = QPushButton("Change selected\nto &O…")
        self.to_o_btn.setToolTip("No reason has come in: change the selected N marks to O"
                                 " (unauthorised, other) in one recorded step")
        self.to_o_btn.clicked.connect(self.convert_to_o)
        od_layout.addWidget(self.to_o_btn, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.overdue_box)
        # Registers fill in through the morning: read again every two minutes while shown.
        self.timer = QTimer(self)
        self.timer.setInterval(120_000)
        self.timer.timeout.connect(self.refresh)
        # Marks and calls from other PCs and the kiosk show within seconds (see live_view).
        self.live = LiveWatcher(ctx.engine, self)
        self.live.changed.connect(self.refresh_live)
        self.loader = BackgroundLoad(self, self._read)
        self.loader.loaded.connect(self._show)
        self.loader.failed.connect(self._load_failed)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    # -- loading --------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Read everything again, off the GUI thread: the window stays usable meanwhile and
        the board fills in when the figures are ready."""
        self.live.baseline()  # before reading: later changes are seen by the next poll
        self.backup_warning.refresh()
        self.check_line.refresh()
        if self.board is None and not self.loader.busy:
            self.heading.setText(f"<h2 style='margin:0'>Today</h2><p style='margin:2px 0'>"
                                 f"{self.ctx.today():%A %d %B %Y} — reading the registers…</p>")
        self.loader.request()

    def _read(self) -> tuple[dashboard_service.TodaySummary, TodayBoard, str]:
        """In the worker: the figures, the board and any missing-term-dates message."""
        today, now = self.ctx.today(), self.ctx.now()
        summary = dashboard_service.today_summary(self.ctx.engine, today)
        board = dashboard_service.load_board(self.ctx.engine, now)
        return summary, board, calendar_service.missing_term_dates(self.ctx.engine, today)

    @Slot()
    def _load_failed(self) -> None:
        error = self.loader.error
        self.heading.setText("<h2 style='margin:0'>Today</h2><p><b>"
                             f"{error if isinstance(error, ServiceError) else 'The board could not be read: see the log.'}"  # noqa: E501
                             "</b></p>")

    @Slot()
    def _show(self) -> None:
        keep = self.selected_absentee()
        s, board, missing = self.loader.result
        self.board = board
        amber = theme.hex_colour("warning")
        demo = f" <span style='color:{amber}'>(demo school: synthetic data)</span>" \
            if s.is_demo else ""
        when = "morning" if board.session == "AM" else "afternoon"
        status = (f"{when} session — the register closes at {board.closes:%H:%M};"
                  f" first-day calls to families by {board.contact_by:%H:%M}"
                  if board.session_open else "no session now: the school is closed")
        status = missing or status  # no term dates: say so, not "the school is closed"
        self.heading.setText(f"<h2 style='margin:0'>{s.school_name}{demo}</h2>"
                             f"<p style='margin:2px 0'>{s.today:%A %d %B %Y} — {status}</p>")
        since = f" (since {s.year_from:%d %b})" if s.year_from else ""
        self.values["on_roll"].setText(str(s.on_roll))
        self.values["year_pct"].setText(format_pct(s.year_attendance_pct) + since)
        self.values["persistent"].setText(str(s.persistent))
        self.values["severe"].setText(str(s.severe))
        self.values["n_today"].setText(str(s.n_today))
        self.values["late_today"].setText(str(s.late_today))
        self.values["unmarked"].setText(f"{s.unmarked_am} / {s.unmarked_pm}")

        self.registers_note.setText(
            missing if missing else "No session now." if not board.session_open else
            "All registers are taken for this session." if not board.registers else
            f"{len(board.registers)} class register(s) still to finish.")
        chosen = {self.registers.item(i.row(), 0).data(Qt.ItemDataRole.UserRole)
                  for i in self.registers.selectionModel().selectedRows()
                  if self.registers.item(i.row(), 0) is not None}
        self.registers.clearSelection()
        self.registers.setRowCount(len(board.registers))
        for row, r in enumerate(board.registers):
            self.registers.setItem(row, 0, _item(r.class_name, r.class_id))
            self.registers.setItem(row, 1, _item(r.teacher))
            self.registers.setItem(row, 2, _item(f"{r.marked} of {r.on_roll}"))
            if r.class_id in chosen:  # a refresh keeps the class someone picked
                self.registers.selectRow(row)
        self.chase.setRowCount(len(board.absentees))
        for row, a in enumerate(board.absentees):
            first = a.contacts[0] if a.contacts else None
            contact = (f"{first.phones[0][1]} ({first.relationship or first.name})"
                       if first and first.phones else "no phone number")
            last = a.calls[-1].outcome if a.calls else ""
            values = (a.name, a.class_name, a.code or "—", contact,
                      f"{len(a.calls)} ({last})" if a.calls else "0")
            for col, value in enumerate(values):
                item = _item(value, a.pupil_id if col == 0 else None)
                item.setToolTip(value)
                if a.code == "N":
                    item.setForeground(theme.colour("error"))
                self.chase.setItem(row, col, item)
        late = [o for o in board.overdue if o.overdue]
        self.overdue_box.setTitle(
            f"Earlier N codes: replace within {board.n_limit} school days — {len(late)} "
            f"overdue, {len(board.overdue) - len(late)} still in time")
        self.overdue.setRowCount(len(board.overdue))
        for row, o in enumerate(board.overdue):
            by = f"{o.deadline:%a %d %b}" if o.deadline else "—"
            values = (o.name, o.class_name, f"{o.day:%a %d %b} {o.session}", by,
                      f"Overdue ({o.school_days} school days)" if o.overdue
                      else f"In time ({o.school_days} of {board.n_limit} school days)")
            for col, value in enumerate(values):
                item = _item(value, (o.pupil_id, o.day, o.session) if col == 0 else None)
                if o.overdue:
                    item.setForeground(theme.colour("error"))
                self.overdue.setItem(row, col, item)
        actor = self.ctx.actor
        self.log_btn.setEnabled(actor.can_write_register)
        self.resolve_btn.setEnabled(actor.can_write_register)
        self.to_o_btn.setEnabled(actor.can_amend and bool(late))
        self.select_pupil(keep.pupil_id if keep else None)
        if self.keep_scroll:  # a live refresh: the lists stay where they were scrolled
            for t, value in zip(self._scrolled(), self.keep_scroll, strict=True):
                t.verticalScrollBar().setValue(value)
            self.keep_scroll = []

    @Slot()
    def refresh_live(self) -> None:
        """Another writer changed something: read again, keeping the lists where they were
        scrolled (the selected pupil is kept by refresh)."""
        self.keep_scroll = [t.verticalScrollBar().value() for t in self._scrolled()]
        self.refresh()

    def _scrolled(self) -> tuple[QTableWidget, ...]:
        return (self.registers, self.chase, self.overdue, self.calls)

    def select_pupil(self, pupil_id: int | None) -> None:
        target = 0
        for row in range(self.chase.rowCount()):
            if self.chase.item(row, 0).data(Qt.ItemDataRole.UserRole) == pupil_id:
                target = row
        self.chase.blockSignals(True)
        self.chase.clearSelection()
        if self.chase.rowCount():
            self.chase.selectRow(target)
        self.chase.blockSignals(False)
        self._show_pupil()

    def selected_absentee(self) -> Absentee | None:
        if self.board is None:
            return None
        rows = self.chase.selectionModel().selectedRows()
        if not rows:
            return None
        pid = self.chase.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return next((a for a in self.board.absentees if a.pupil_id == pid), None)

    @Slot()
    def _show_pupil(self) -> None:
        a = self.selected_absentee()
        self.contacts.setRowCount(0)
        self.calls.setRowCount(0)
        if a is None:
            self.pupil_label.setText("Nobody to chase for this session."
                                     if self.board and self.board.session_open
                                     else "No session now.")
            return
        self.pupil_label.setText(f"<b>{a.name}</b> ({a.class_name}) — "
                                 f"{'N: no reason yet' if a.code == 'N' else 'no mark yet'}")
        rows = [(c.priority, f"{c.name} ({c.relationship})", kind, number)
                for c in a.contacts for kind, number in (c.phones or (("", "none"),))]
        self.contacts.setRowCount(len(rows))
        for row, (prio, name, kind, number) in enumerate(rows):
            self.contacts.setItem(row, 0, _item(str(prio)))
            self.contacts.setItem(row, 1, _item(name))
            self.contacts.setItem(row, 2, _item(f"{number} ({kind})" if kind else number))
        calls = dashboard_service.call_history(self.ctx.engine, a.pupil_id, days=14,
                                               now=self.ctx.now())
        self.calls.setRowCount(len(calls))
        for row, call in enumerate(calls):
            note = f": {call.notes}" if call.notes else ""
            when = (f"{call.at:%H:%M}" if call.at.date() == self.ctx.today()
                    else f"{call.at:%a %d %b}")
            for col, value in enumerate((when, call.staff_name,
                                         call.contact_name, call.outcome + note)):
                cell = _item(value)
                cell.setToolTip(value)
                self.calls.setItem(row, col, cell)

    # -- actions --------------------------------------------------------------------------
    def _error(self, exc: ServiceError) -> None:
        text = str(exc)
        QMessageBox.warning(self, "Today", text[:1].upper() + text[1:])

    @Slot()
    def log_call(self) -> None:
        a = self.selected_absentee()
        if a is None:
            return
        dialog = LogCallDialog(self, a)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            dashboard_service.log_call(self.ctx.engine, self.ctx.actor, a.pupil_id,
                                       dialog.contact.currentData(),
                                       dialog.outcome.currentText(), dialog.notes.text(),
                                       dialog.method.currentText(), now=self.ctx.now())
        except ServiceError as exc:
            self._error(exc)
            return
        self.refresh()

    @Slot()
    def email_families(self) -> None:
        from attendance_desktop.gui.mail.first_day_dialog import FirstDayDialog

        if self.board is not None and FirstDayDialog(self.ctx, self.board.absentees,
                                                     self).exec():
            self.refresh()

    @Slot()
    def resolve(self) -> None:
        a = self.selected_absentee()
        if a is None or self.board is None:
            return
        dialog = ResolveDialog(self, a, self.board)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            dashboard_service.resolve_absence(
                self.ctx.engine, self.ctx.actor, a.pupil_id, self.board.day, self.board.session,
                dialog.code.currentData(), dialog.reason.text(), dialog.comment.text())
        except ServiceError as exc:
            self._error(exc)
            return
        self.refresh()

    @Slot()
    def convert_to_o(self) -> None:
        late = {(o.pupil_id, o.day, o.session) for o in self.board.overdue if o.overdue} \
            if self.board else set()
        cells = [cell for i in self.overdue.selectionModel().selectedRows()
                 if (cell := self.overdue.item(i.row(), 0).data(Qt.ItemDataRole.UserRole))
                 in late]
        if not cells:
            QMessageBox.information(self, "Today", "Select the overdue N marks to change"
                                    " first (those still in time may yet get a reason).")
            return
        answer = QMessageBox.question(
            self, "Change N to O", f"Change {len(cells)} N mark(s) to O (unauthorised)? Each"
            " change is kept in the mark's history.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            dashboard_service.convert_overdue_to_o(self.ctx.engine, self.ctx.actor, cells)
        except ServiceError as exc:
            self._error(exc)
            return
        self.refresh()

    @Slot()
    def open_register(self) -> None:
        rows = [i.row() for i in self.registers.selectionModel().selectedRows()]
        row = self.registers.currentRow() if self.registers.currentRow() in rows else \
            (rows[0] if rows else -1)  # the row last chosen, when several are selected
        class_id = self.registers.item(row, 0).data(Qt.ItemDataRole.UserRole) \
            if row >= 0 else None
        self.navigator.show_register_today(class_id)
