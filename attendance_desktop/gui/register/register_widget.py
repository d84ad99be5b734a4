"""The Register area: choose class and span, take and correct marks, open the dialogs."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain import codes, school_day
from attendance_desktop.domain.codes import NoteRequirement
from attendance_desktop.domain.roles import Role
from attendance_desktop.gui import theme
from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.flow_layout import FlowLayout, pair
from attendance_desktop.gui.live_view import user_is_busy
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.gui.register.code_picker_dialog import CodePickerDialog
from attendance_desktop.gui.register.colours import (
    LEGEND,
)
from attendance_desktop.gui.register.conflict_dialog import ConflictBox, ConflictChoice
from attendance_desktop.gui.register.grid_model import RegisterGridModel
from attendance_desktop.gui.register.grid_view import KEY_HELP, RegisterGridView
from attendance_desktop.gui.register.history_dialog import HistoryDialog
from attendance_desktop.gui.register.live_grid import LiveGrid
from attendance_desktop.gui.register.mark_dialog import MarkDialog, ask_reason
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import MarkConflict, ServiceError
from attendance_desktop.services.register import (
    grid_navigation,
    grid_service,
    mark_reads,
    mark_rules,
    register_service,
)
from attendance_desktop.services.register.grid_service import GridSnapshot
from attendance_desktop.services.register.register_service import BulkResult, MarkChange
from attendance_desktop.services.school import calendar_service, policy_service

WHOLE_SCHOOL = -1
LOADING_TEXT = "Loading the register…"

log = logging.getLogger(__name__)


class RegisterWidget(QWidget):
    pupilRequested = Signal(int)  # "go there" for pupil records
    loaded = Signal()  # a grid read off the GUI thread is on screen

    def __init__(self, ctx: AppContext, navigator: Navigator | None = None, *,
                 span: str = "week", class_id: int | None = None,
                 anchor: dt.date | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.setObjectName("registerPage")
        self.policy = policy_service.load_policy(ctx.engine)
        self.model: RegisterGridModel | None = None
        self.conflict_box: ConflictBox | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)

        # -- what to show ---------------------------------------------------------------
        # The three rows above the grid wrap (FlowLayout) at 125-150% scaling rather than
        # pushing the page wider than the window.
        top = FlowLayout(spacing=6)
        self.class_box = QComboBox()
        self.class_box.setAccessibleName("Class")
        self.class_box.setToolTip("Show one class or the whole school")
        self.class_box.addItem("Whole school", WHOLE_SCHOOL)
        for c in grid_service.list_classes(ctx.engine):
            self.class_box.addItem(c.name, c.id)
        if class_id is None and ctx.actor.role is Role.TEACHER and ctx.actor.class_ids:
            class_id = min(ctx.actor.class_ids)
        self.class_box.setCurrentIndex(max(0, self.class_box.findData(
            class_id if class_id is not None else WHOLE_SCHOOL)))
        self.span_box = QComboBox()
        self.span_box.setAccessibleName("Span")
        self.span_box.setToolTip("How much of the year to show")
        for key in grid_service.SPANS:
            self.span_box.addItem(grid_service.SPAN_LABELS[key], key)
        self.span_box.setCurrentIndex(self.span_box.findData(span))
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd dd MMM yyyy")
        self.date_edit.setAccessibleName("Date")
        self.date_edit.setToolTip("A date inside the span to show")
        day = anchor or ctx.today()
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        prev_btn = QToolButton()
        prev_btn.setText("◀")
        prev_btn.setToolTip("Previous span (Alt+Left)")
        prev_btn.setAccessibleName("Previous span")
        prev_btn.setShortcut(QKeySequence("Alt+Left"))
        prev_btn.clicked.connect(self.previous_span)
        next_btn = QToolButton()
        next_btn.setText("▶")
        next_btn.setToolTip("Next span (Alt+Right)")
        next_btn.setAccessibleName("Next span")
        next_btn.setShortcut(QKeySequence("Alt+Right"))
        next_btn.clicked.connect(self.next_span)
        today_btn = QPushButton("&Today")
        today_btn.setToolTip("Go to today's session")
        today_btn.clicked.connect(self.go_today)
        self.span_label = QLabel()
        self.span_label.setObjectName("spanLabel")
        theme.set_role(self.span_label, "subheading")
        for w, text in ((self.class_box, "C&lass"), (self.span_box, "&Span")):
            lab = QLabel(text)
            lab.setBuddy(w)
            top.addWidget(pair(lab, w))
        dates = QWidget()
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(0, 0, 12, 0)
        for w in (prev_btn, self.date_edit, next_btn, today_btn):
            dates_row.addWidget(w)
        top.addWidget(dates)
        self.span_label.setSizePolicy(QSizePolicy.Policy.Expanding,
                                      QSizePolicy.Policy.Preferred)
        top.addWidget(self.span_label)
        layout.addLayout(top)

        # -- actions --------------------------------------------------------------------
        bar = FlowLayout(spacing=6)
        self.buttons: dict[str, QPushButton] = {}

        def button(key: str, text: str, tip: str, slot: object, shortcut: str = "") -> None:
            b = QPushButton(text)
            b.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            b.setAccessibleName(text.replace("&", ""))
            b.clicked.connect(slot)
            if shortcut:
                action = QAction(self)
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                action.triggered.connect(slot)
                self.addAction(action)
            bar.addWidget(b)
            self.buttons[key] = b

        button("present", "All &present", "Mark every pupil without a mark present for the"
               " current session", self.mark_all_present, "Ctrl+Shift+P")
        # One action, one key: F4 (Ctrl+Shift+F is the fire roll, everywhere).
        button("fill", "&Fill with code…", "Choose a code from the list for the selected"
               " cells", self.pick_code, "F4")
        button("copy", "AM → PM", "Copy morning marks into empty afternoon cells for the"
               " current day", self.copy_am_to_pm, "Ctrl+Shift+C")
        button("undo", "&Undo", "Undo the last change (kept in the history)", self.undo,
               "Ctrl+Z")
        button("history", "&History…", "Show every change to the current cell",
               self.show_history, "Ctrl+H")
        button("closure", "Cl&osure…", "Close the school for a session or day (e.g. snow)"
               " and mark everyone in one step", self.emergency_closure)
        button("amendments", "&Amendments…", "Save or print the amendments report for a"
               " date range", self.amendments_report)
        button("print", "P&rint register…", "Save a class's register for this week or month"
               " as a PDF to print", self.print_register, "Ctrl+P")
        self.buttons["print"].setIcon(theme.icon("print"))
        button("checks", "&Checks…", "Data checks: list missing marks and other problems, with a"
               " link to each", self.data_checks)
        keys = QToolButton()
        keys.setText("Keys ?")
        keys.setAccessibleName("Keyboard help")
        keys.setToolTip(KEY_HELP)
        keys.clicked.connect(self.show_keys)
        bar.addWidget(keys)
        layout.addLayout(bar)

        # -- legend ---------------------------------------------------------------------
        legend = FlowLayout(spacing=4)
        # The chips take the grid's own colours from the stylesheet (role="chip").
        chips = [(cat.value, text, tip) for cat, text, tip in LEGEND] + [
            ("closed", "School closed", "No session: the school is closed"),
            ("today", "Today", "Today's sessions"),
            ("missing", "Missing", "The register has closed and there is no mark"),
            ("leave", "<i><b>C</b></i> leave", "Italic: filled in from granted leave of"
             " absence; a mark taken on the day replaces it as an amendment")]
        self.legend_chips: list[QLabel] = []
        for kind, text, tip in chips:
            chip = QLabel(text)
            chip.setProperty("chip", kind)
            theme.set_role(chip, "chip")
            chip.setToolTip(tip)
            legend.addWidget(chip)
            self.legend_chips.append(chip)
        layout.addLayout(legend)

        self.view = RegisterGridView()
        self.view.codeTyped.connect(self.enter_code)
        self.view.clearRequested.connect(self.clear_cells)
        self.view.detailsRequested.connect(self.edit_details)
        self.view.refused.connect(self._status_error)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.view, 1)
        self.status = QLabel()
        self.status.setObjectName("registerStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        # Other writers' changes (another PC, the kiosk, an import) appear within seconds;
        # the page's own writes are not read back (live_grid.py).
        self.live_grid = LiveGrid(self, ctx.engine, model=lambda: self.model,
                                  page_loading=lambda: self.loader.busy, busy=self._live_busy)
        self.live = self.live_grid.watcher
        self.live_grid.reshaped.connect(self._reshaped)
        self.live_grid.refreshed.connect(self._refreshed)
        # The grid is read on the serial worker (a whole-school year at 2,000 pupils takes
        # about a second): the page stays usable and shows "Loading…" meanwhile. Typing a
        # mark stays synchronous (a few ms). A live re-read runs there too.
        self.loader = BackgroundLoad(self, lambda: None)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._load_failed)
        self._target: tuple[int | None, dt.date, str] | None = None  # select once loaded
        self._exact = False  # say so when the target cell is not in the loaded grid
        self._focus_after = False
        self._scroll_after: tuple[int, int] | None = None
        self._status_after = ""
        self.class_box.currentIndexChanged.connect(self._class_or_span_changed)
        self.span_box.currentIndexChanged.connect(self._class_or_span_changed)
        self.date_edit.dateChanged.connect(self._date_changed)
        self.reload(select=(None, day, self._session_now()))

    # -- loading --------------------------------------------------------------------------
    @property
    def anchor(self) -> dt.date:
        d = self.date_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def set_anchor(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def _set_controls(self, *, class_id: int | None = None, span: str | None = None,
                      anchor: dt.date | None = None) -> None:
        """Set several controls without a reload per control (the caller reloads once)."""
        for box, value in ((self.class_box, class_id), (self.span_box, span)):
            if value is not None:
                box.blockSignals(True)
                box.setCurrentIndex(max(0, box.findData(value)))
                box.blockSignals(False)
        if anchor is not None:
            self.date_edit.blockSignals(True)
            self.set_anchor(anchor)
            self.date_edit.blockSignals(False)

    def _session_now(self) -> str:
        return school_day.session_at(self.policy, self.ctx.now())

    @Slot()
    def _class_or_span_changed(self) -> None:
        self.reload()  # keeps the current cell when the new view still shows it

    @Slot()
    def _date_changed(self) -> None:
        keep = self._current_key()
        self.reload(select=(keep[0] if keep else None, self.anchor,
                            keep[2] if keep else self._session_now()))

    @property
    def loading(self) -> bool:
        """A grid is being read: the one on screen (if any) is disabled until it comes."""
        return self.loader.busy

    def reload(self, select: tuple[int | None, dt.date, str] | None = None) -> None:
        """Load the class, span and date the controls show (on the serial worker), then
        select `select` (pupil, day, session), else the current cell if still shown, else
        the anchor's session. The controls are never changed here: what they say is what
        is loaded. Asked again while a load runs, the latest request wins."""
        keep = select or self._target or self._current_key()
        engine = self.ctx.engine
        self.live.baseline()  # before reading: a change committed later is seen by a poll
        cid = self.class_box.currentData()
        class_id = None if cid == WHOLE_SCHOOL else cid
        year = calendar_service.year_containing(engine, self.anchor)
        try:
            span = grid_service.span_for(self.span_box.currentData(), self.anchor, year)
        except ServiceError as exc:
            # No academic year here: an empty grid, so nothing stale is left on screen.
            self._install(GridSnapshot(self.anchor, self.anchor, "", class_id, [], [], []))
            self.span_label.setText("No term dates")
            self._status_error(f"{str(exc)[0].upper()}{str(exc)[1:]}.")
            return
        self._target = keep
        if not self.loader.busy:
            self._focus_after = self._focus_after or self.view.hasFocus()
        self.loader.work = partial(_read_grid, engine, span, class_id)
        self.loader.request()
        self._show_loading()

    def _show_loading(self) -> None:
        """What needs the grid waits for it; the class, span and date controls stay live."""
        self.span_label.setText(LOADING_TEXT)
        self.view.setEnabled(False)
        for key in ("present", "fill", "copy", "undo", "history", "closure"):
            self.buttons[key].setEnabled(False)

    @Slot()
    def _load_failed(self) -> None:
        error = self.loader.error
        if not isinstance(error, ServiceError):
            log.error("The register could not be read", exc_info=error)
        self._install(GridSnapshot(self.anchor, self.anchor, "", None, [], [], []))
        self.view.setEnabled(True)
        self.span_label.setText("Not loaded")
        self._status_error(str(error) if isinstance(error, ServiceError)
                           else "The register could not be read: see the log.")
        self._target = None

    @Slot()
    def _loaded(self) -> None:
        span, snap = self.loader.result
        keep, self._target = self._target, None
        self._install(snap)
        self.view.setEnabled(True)
        actor = self.ctx.actor
        who = "" if actor.can_write_register else " · read only"
        name = span.name if self.span_box.currentData() in ("day", "week") else (
            f"{span.name} {span.start:%d %b}–{span.end:%d %b %Y}")
        self.span_label.setText(f"{name} · {len(snap.pupils)} pupils · "
                                f"{len(snap.columns)} sessions{who}")
        self.status.clear()
        if not snap.columns:
            self._status_error("No school sessions in this span (weekend, holiday, or no term"
                               " dates set for it in Settings).")
        self._select(keep)
        if self._exact and keep is not None and keep[0] is not None and (
                snap.row_index(keep[0]) is None or snap.column_index(keep[1], keep[2]) is None):
            self._status_error("That cell is not in the register grid")
        self._exact = False
        if self._status_after:
            self._status(self._status_after)
            self._status_after = ""
        if self._scroll_after is not None:
            self.view.horizontalScrollBar().setValue(self._scroll_after[0])
            self.view.verticalScrollBar().setValue(self._scroll_after[1])
            self._scroll_after = None
        if self._focus_after:
            self.view.setFocus()
            self._focus_after = False
        self.loaded.emit()

    def _install(self, snap: GridSnapshot) -> None:
        actor = self.ctx.actor
        old = self.model
        closed = self._closed_columns(snap)
        self.model = RegisterGridModel(snap, self.ctx.today(), writer=self._writer,
                                       detail=self._detail,
                                       read_only=not actor.can_write_register,
                                       closed_columns=closed, parent=self)
        self.model.writeFailed.connect(self._show_error)
        self.live_grid.attach(self.model)
        self.view.setModel(self.model)
        self.view.fit_row_header()
        # Fixed sizes (never sized to contents): wider cells when a day or week is shown.
        self.view.horizontalHeader().setDefaultSectionSize(76 if len(snap.columns) <= 10
                                                           else 56)
        if old is not None:
            old.deleteLater()
        for key in ("present", "fill", "copy", "undo", "closure"):
            self.buttons[key].setEnabled(actor.can_write_register)
        self.buttons["closure"].setEnabled(actor.can_amend)
        self.buttons["history"].setEnabled(True)  # disabled while a grid loads

    def _select(self, target: tuple[int | None, dt.date, str] | None) -> None:
        """Select the target cell; else the same pupil at the anchor's session; else the
        first session on or after the anchor (the last one if none)."""
        assert self.model is not None
        snap = self.model.snap
        if not snap.pupils or not snap.columns:
            return
        pupil_id, day, session = target or (None, self.anchor, self._session_now())
        row = snap.row_index(pupil_id) if pupil_id is not None else None
        col = snap.column_index(day, session)
        if col is None:
            anchor = self.anchor
            col = snap.column_index(anchor, session)
            if col is None:
                col = next((i for i, c in enumerate(snap.columns) if c.day >= anchor),
                           len(snap.columns) - 1)
        self._set_current(row or 0, col)

    # -- the shared live view -------------------------------------------------------------
    def _live_busy(self) -> bool:
        """Wait with a refresh while the user is in the middle of something."""
        return (user_is_busy() or bool(self.view.pending)
                or self.view.state() == QAbstractItemView.State.EditingState)

    @Slot()
    def _refreshed(self) -> None:
        if self.model is not None:  # registers may have closed since the grid was read
            self.model.closed_columns[:] = self._closed_columns(self.model.snap)

    @Slot()
    def _reshaped(self) -> None:
        """Another writer's change added or removed pupils: a new model, keeping the
        current cell and the scroll position."""
        self._scroll_after = (self.view.horizontalScrollBar().value(),
                              self.view.verticalScrollBar().value())
        self.reload()

    def _closed_columns(self, snap: GridSnapshot) -> list[bool]:
        now = self.ctx.now()
        return [mark_rules.register_closed(self.policy, c.day, c.session, now)
                for c in snap.columns]

    def _writer(self, changes: list[MarkChange], reason: str) -> BulkResult:
        return register_service.apply_changes(self.ctx.engine, self.ctx.actor, changes,
                                              reason=reason)

    def _detail(self, pupil_id: int, day: dt.date, session: str) -> register_service.CellMark:
        return mark_reads.read_cell(self.ctx.engine, pupil_id, day, session)

    def _current_key(self) -> tuple[int, dt.date, str] | None:
        if self.model is None:
            return None
        idx = self.view.currentIndex()
        if not idx.isValid():
            return None
        col = self.model.snap.columns[idx.column()]
        return self.model.snap.pupils[idx.row()].id, col.day, col.session

    def _set_current(self, row: int, col: int) -> None:
        assert self.model is not None
        idx = self.model.index(row, col)
        self.view.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(idx)

    def go_to(self, pupil_id: int, day: dt.date, session: str, focus: bool = True) -> bool:
        """Select a cell. When it is not shown, open the pupil's class (the whole school
        if the pupil has none) and the week of the day: the cell is selected when that
        grid has loaded (the status line says so if it is not there)."""
        snap = self.model.snap if self.model is not None and not self.loader.busy else None
        in_span = snap is not None and snap.start <= day <= snap.end \
            and snap.column_index(day, session) is not None
        has_row = snap is not None and snap.row_index(pupil_id) is not None
        if snap is None or not in_span or not has_row:
            class_id = self.class_box.currentData()
            if not has_row:
                found = grid_navigation.pupil_class_id(self.ctx.engine, pupil_id)
                class_id = found if self.class_box.findData(found) >= 0 else WHOLE_SCHOOL
            self._set_controls(class_id=class_id, span=None if in_span else "week",
                               anchor=None if in_span else day)
            self._exact = True
            self._focus_after = self._focus_after or focus
            self.reload(select=(pupil_id, day, session))
            return True
        row, col = snap.row_index(pupil_id), snap.column_index(day, session)
        if row is None or col is None:
            return False
        self._set_current(row, col)
        if focus:
            self.view.setFocus()
        return True

    def show_class_today(self, class_id: int | None) -> None:
        """Open one class (or the whole school) at today's session: the week, or the day
        when the page already shows single days."""
        today = self.ctx.today()
        span = "day" if self.span_box.currentData() == "day" else "week"
        self._set_controls(class_id=WHOLE_SCHOOL if class_id is None else class_id,
                           span=span, anchor=today)
        self._focus_after = True
        self.reload(select=(None, today, self._session_now()))

    @Slot()
    def previous_span(self) -> None:
        self._step(-1)

    @Slot()
    def next_span(self) -> None:
        self._step(1)

    def _step(self, direction: int) -> None:
        kind = self.span_box.currentData()
        day = grid_navigation.step_anchor(kind, self.anchor, direction,
                                          calendar_service.list_years(self.ctx.engine))
        if day is None:
            where = "later" if direction > 0 else "earlier"
            self._status_error(f"There is no {where} {grid_service.SPAN_LABELS[kind].lower()}"
                               " in the academic years set up (Settings, Calendar).")
            return
        self.set_anchor(day)  # dateChanged reloads

    @Slot()
    def go_today(self) -> None:
        today = self.ctx.today()
        keep = self._current_key()
        self._set_controls(anchor=today)
        self._focus_after = True
        self.reload(select=(keep[0] if keep else None, today, self._session_now()))

    # -- helpers --------------------------------------------------------------------------
    def _targets(self) -> list[tuple[int, int]]:
        """The selected editable cells (or the current cell)."""
        assert self.model is not None
        sel = self.view.selectionModel().selectedIndexes()
        if len(sel) <= 1:
            idx = self.view.currentIndex()
            sel = [idx] if idx.isValid() else []
        cells = [(i.row(), i.column()) for i in sel]
        return sorted(c for c in cells if self.model.cell_editable(*c))

    def _closed(self, col: int) -> bool:
        assert self.model is not None
        c = self.model.snap.columns[col]
        return mark_rules.register_closed(self.policy, c.day, c.session, self.ctx.now())

    def _amending(self, cells: list[tuple[int, int]]) -> bool:
        """True if writing these cells changes a mark after its register closed."""
        assert self.model is not None
        return self.ctx.actor.can_amend and any(
            self.model.code_at(r, c) and self._closed(c) for r, c in cells)

    def _heading(self, row: int, col: int) -> str:
        assert self.model is not None
        c = self.model.snap.columns[col]
        return f"{self.model.snap.pupils[row].name} — {c.day:%A %d %B %Y}, {c.session}"

    def _default_minutes(self, col: int) -> int:
        assert self.model is not None
        c = self.model.snap.columns[col]
        now = self.ctx.now()
        if c.day != now.date():
            return 0
        start = dt.datetime.combine(c.day, self.policy.session_times(c.session).late_after)
        return max(0, int((now - start).total_seconds() // 60))

    def _write(self, cells: list[tuple[int, int, str, int | None, str]], reason: str,
               description: str) -> bool:
        assert self.model is not None
        while True:
            try:
                result = self.model.write_cells(cells, reason, description)
            except MarkConflict as exc:
                # The grid shows their marks now; the user keeps them or amends over them.
                again = self._after_conflict(exc, reason)
                if again is None:
                    return False
                reason = again
                continue
            except ServiceError as exc:
                self._show_error(str(exc))
                return False
            break
        self._status(f"{description}: {result.written} changed"
                     + (f", {result.unchanged} unchanged" if result.unchanged else ""))
        return True

    def _after_conflict(self, exc: MarkConflict, reason: str) -> str | None:
        """Say who changed which cells, when and to what; None = keep theirs (nothing
        written), else the reason to write the user's change again with (compared with the
        marks now on record; the write path decides whether it is an amendment)."""
        assert self.model is not None
        closed_cells = False
        for c in exc.conflicts:
            pos = self.model.position(c.pupil_id, c.day, c.session)
            if pos is not None and self._closed(pos[1]):
                closed_cells = True
        needs_reason = closed_cells and any(c.current_code for c in exc.conflicts)
        may_amend = self.ctx.actor.can_amend or not closed_cells
        self.conflict_box = ConflictBox(self, exc.conflicts, self.ctx.today(),
                                        needs_reason=needs_reason, may_amend=may_amend)
        choice = self.conflict_box.choose()
        self.conflict_box.deleteLater()
        self.conflict_box = None
        if choice is ConflictChoice.KEEP_THEIRS:
            plural = "s" if len(exc.conflicts) > 1 else ""
            self._status_error(f"Kept the other person's mark{plural}: nothing you typed"
                               " was saved.")
            return None
        if needs_reason:
            text, ok = QInputDialog.getText(
                self, "Reason for amendment", "The register has closed. Why are you changing"
                " the mark someone else entered?", text=reason)
            if not ok or not text.strip():
                self._status_error("Amendment cancelled: their marks are kept.")
                return None
            return text.strip()
        return reason

    # -- entering marks -------------------------------------------------------------------
    @Slot(str)
    def enter_code(self, typed: str) -> None:
        if self.model is None or self.loader.busy:
            return
        cells = self._targets()
        if not cells:
            self._status_error("This cell cannot be marked (closed, not on roll or read-only)")
            return
        present = typed == "present"  # / in the morning, \ in the afternoon, per cell
        if present:
            typed = codes.present_code(self.model.snap.columns[cells[0][1]].session)
        try:
            found = codes.lookup(typed)
        except codes.CodeError as exc:
            self._status_error(str(exc))
            return
        day = self.model.snap.columns[cells[0][1]].day
        if not found.valid_on(day):
            try:
                codes.validate(found.code, day)
            except codes.CodeError as exc:
                self._show_error(str(exc))
            return
        single = len(cells) == 1
        amending = self._amending(cells)
        r0, c0 = cells[0]
        old_minutes, old_comment = self.model.snap.extras.get((r0, c0), (None, ""))
        minutes: int | None = None
        comment = old_comment if single else ""  # keep a comment when only the code changes
        reason = ""
        if found.is_late or found.note is not NoteRequirement.NONE or (single and amending):
            details = MarkDialog.get_details(
                self, heading=self._heading(r0, c0) if single else f"{len(cells)} cells",
                day=day, code=found.code,
                minutes_late=old_minutes if old_minutes is not None
                else self._default_minutes(c0),
                comment=comment, need_reason=amending)
            if details is None:
                return
            found = codes.CODES[details.code]
            minutes, comment, reason = details.minutes_late, details.comment, details.reason
        if amending and not reason:
            asked = ask_reason(self, f"The register has closed for some of the {len(cells)}"
                               " cells. Why are they being changed?")
            if asked is None:
                return
            reason = asked
        snap = self.model.snap
        written = self._write(
            [(r, c, codes.present_code(snap.columns[c].session) if present else found.code,
              minutes, comment) for r, c in cells], reason, f"{found.code} entered")
        if written and single:
            r, c = cells[0]
            if r + 1 < self.model.rowCount():
                self._set_current(r + 1, c)

    @Slot()
    def edit_details(self) -> None:
        if self.model is None or self.loader.busy:
            return
        cells = self._targets()[:1]
        if not cells:
            return
        r, c = cells[0]
        session = self.model.snap.columns[c].session
        code = self.model.code_at(r, c) or codes.present_code(session)
        minutes, comment = self.model.snap.extras.get((r, c), (None, ""))
        details = MarkDialog.get_details(
            self, heading=self._heading(r, c), day=self.model.snap.columns[c].day, code=code,
            minutes_late=minutes, comment=comment, need_reason=self._amending(cells))
        if details is not None:
            self._write([(r, c, details.code, details.minutes_late, details.comment)],
                        details.reason, "Mark details saved")

    @Slot(QPoint)
    def _context_menu(self, pos: QPoint) -> None:
        """Right-click: the same actions as the keys, for mouse users."""
        menu = QMenu(self)
        for text, slot, key in (("Mark details and comment…", self.edit_details, "Enter"),
                                ("Choose a code…", self.pick_code, "F4"),
                                ("History of this mark…", self.show_history, "Ctrl+H"),
                                ("Clear the mark", self.clear_cells, "Delete"),
                                ("Everyone unmarked present", self.mark_all_present,
                                 "Ctrl+Shift+P"),
                                ("Copy AM marks to PM", self.copy_am_to_pm, "Ctrl+Shift+C"),
                                ("Undo", self.undo, "Ctrl+Z")):
            action = menu.addAction(f"{text}\t{key}")
            action.triggered.connect(slot)
            action.setEnabled(self.ctx.actor.can_write_register
                              or slot == self.show_history)
        menu.popup(self.view.viewport().mapToGlobal(pos))
        self.context_menu = menu

    @Slot(QModelIndex)
    def _double_clicked(self, _index: QModelIndex) -> None:
        self.edit_details()

    @Slot()
    def clear_cells(self) -> None:
        if self.model is None or self.loader.busy:
            return
        cells = [c for c in self._targets() if self.model.code_at(*c)]
        if not cells:
            return
        reason = ""
        if self._amending(cells):
            asked = ask_reason(self, "The register has closed. Why is this mark being removed?")
            if asked is None:
                return
            reason = asked
        self._write([(r, c, "", None, "") for r, c in cells], reason, "Mark cleared")

    @Slot()
    def pick_code(self) -> None:
        if self.model is None or self.loader.busy or not self._targets():
            return
        col = self._targets()[0][1]
        code = CodePickerDialog.pick(self, self.model.snap.columns[col].day)
        if code:
            self.enter_code(code)

    @Slot()
    def undo(self) -> None:
        if self.model is None or self.loader.busy or not self.model.undo_stack:
            self._status("Nothing to undo")
            return
        step = self.model.undo_stack[-1]
        cells = [pos for change in step.before
                 if (pos := self.model.position(change.pupil_id, change.day, change.session))]
        reason = "Undo"
        if self._amending(cells):
            # Putting a mark back after the register closed is an amendment like any other.
            asked = ask_reason(self, f"The register has closed. Why is this change being undone"
                                     f" ({step.description}, {len(cells)} cell(s))?")
            if asked is None:
                self._status("Undo cancelled: nothing changed")
                return
            reason = asked
        while True:
            try:
                done = self.model.undo(reason)
            except MarkConflict as exc:
                again = self._after_conflict(exc, reason)
                if again is None:
                    return
                reason = again
                continue
            except ServiceError as exc:
                self._show_error(str(exc))
                return
            break
        if done is not None:
            self._status(f"Undone: {done.description}")

    def _bulk_pupils(self) -> list[int]:
        assert self.model is not None
        actor = self.ctx.actor
        return [p.id for p in self.model.snap.pupils if actor.role is not Role.TEACHER
                or p.class_id in actor.class_ids]

    @Slot()
    def mark_all_present(self) -> None:
        if self.model is None or self.loader.busy:
            return
        idx = self.view.currentIndex()
        if not idx.isValid():
            return
        col = self.model.snap.columns[idx.column()]
        if not col.open:
            self._status_error("The school is closed for this session")
            return
        pupils = self._bulk_pupils()
        try:
            result = self.model.fill_empty(lambda: register_service.mark_all_present(
                self.ctx.engine, self.ctx.actor, col.day, col.session, pupils),
                f"All present {col.day:%a %d %b} {col.session}")
        except ServiceError as exc:
            self._show_error(str(exc))
            return
        self._status(f"{result.written} pupils marked present for {col.day:%a %d %b}"
                     f" {col.session}; {result.skipped} already had a mark")

    @Slot()
    def copy_am_to_pm(self) -> None:
        if self.model is None or self.loader.busy:
            return
        idx = self.view.currentIndex()
        if not idx.isValid():
            return
        day = self.model.snap.columns[idx.column()].day
        pupils = self._bulk_pupils()
        try:
            result = self.model.fill_empty(lambda: register_service.copy_am_to_pm(
                self.ctx.engine, self.ctx.actor, day, pupils),
                f"AM copied to PM {day:%a %d %b}")
        except ServiceError as exc:
            self._show_error(str(exc))
            return
        self._status(f"{result.written} afternoon marks copied from the morning of"
                     f" {day:%a %d %b}")

    @Slot()
    def show_history(self) -> None:
        if self.model is None or self.loader.busy:
            return
        idx = self.view.currentIndex()
        if not idx.isValid():
            return
        pupil = self.model.snap.pupils[idx.row()]
        col = self.model.snap.columns[idx.column()]
        current = mark_reads.read_cell(self.ctx.engine, pupil.id, col.day, col.session)
        entries = mark_reads.cell_history(self.ctx.engine, pupil.id, col.day,
                                                col.session)
        self.history_dialog = HistoryDialog(self, self._heading(idx.row(), idx.column()),
                                            current, entries)
        self.history_dialog.open()

    @Slot()
    def emergency_closure(self) -> None:
        from attendance_desktop.gui.register.closure_dialog import ClosureDialog

        day = self.ctx.today()
        idx = self.view.currentIndex()
        if self.model is not None and idx.isValid():
            day = self.model.snap.columns[idx.column()].day
        dialog = ClosureDialog(self, self.ctx, day)
        if dialog.exec():
            self._status_after = dialog.result_text  # shown once the grid has loaded
            self.reload()

    @Slot()
    def amendments_report(self) -> None:
        from attendance_desktop.gui.register.amendments_dialog import AmendmentsDialog

        snap = self.model.snap if self.model else None
        dialog = AmendmentsDialog(self, self.ctx, snap.start if snap else self.ctx.today(),
                                  min(snap.end, self.ctx.today()) if snap else self.ctx.today())
        dialog.exec()

    @Slot()
    def print_register(self) -> None:
        from attendance_desktop.gui.register.print_register_dialog import PrintRegisterDialog

        cid = self.class_box.currentData()
        day = self.anchor
        idx = self.view.currentIndex()
        if self.model is not None and idx.isValid():
            day = self.model.snap.columns[idx.column()].day
        self.print_dialog = PrintRegisterDialog(self, self.ctx,
                                                None if cid == WHOLE_SCHOOL else cid, day)
        self.print_dialog.saved.connect(self._status)
        self.print_dialog.open()

    @Slot()
    def data_checks(self) -> None:
        from attendance_desktop.gui.register.checks_dialog import ChecksDialog

        self.checks_dialog = ChecksDialog(self, self.ctx)
        self.checks_dialog.cellRequested.connect(self._go_to_cell)
        self.checks_dialog.pupilRequested.connect(self.open_pupil)
        self.checks_dialog.show()

    @Slot(int, object, str)
    def _go_to_cell(self, pupil_id: int, day: object, session: str) -> None:
        assert isinstance(day, dt.date)
        if not self.go_to(pupil_id, day, session):
            self._status_error("That cell is not in the register grid")

    @Slot(int)
    def open_pupil(self, pupil_id: int) -> None:
        """Open the pupil's record in the Pupils area (if that page offers show_pupil)."""
        self.pupilRequested.emit(pupil_id)
        self.navigator.show_pupil(pupil_id)

    @Slot()
    def show_keys(self) -> None:
        QMessageBox.information(self, "Register keys", KEY_HELP)

    # -- messages -------------------------------------------------------------------------
    @Slot(str)
    def _show_error(self, text: str) -> None:
        text = text[0].upper() + text[1:] if text else text
        self._status_error(text)
        QMessageBox.warning(self, "Register", text)

    @Slot(str)
    def _status_error(self, text: str) -> None:
        self._status_colour("error")
        self.status.setText(text)

    @Slot(str)
    def _status(self, text: str) -> None:
        self._status_colour("ok")
        self.status.setText(text)

    def _status_colour(self, role: str) -> None:
        # A restyle costs ~0.5 ms: only when the role changes.
        if self.status.property("role") != role:
            theme.set_role(self.status, role)


def _read_grid(engine: object, span: grid_service.Span,
               class_id: int | None) -> tuple[grid_service.Span, GridSnapshot]:
    """On the serial worker: the span and its snapshot (no Qt here)."""
    return span, grid_service.load_snapshot(engine, span.start, span.end,  # type: ignore[arg-type]
                                            class_id, span.name)
