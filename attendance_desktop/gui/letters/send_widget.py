"""Choose a letter and the pupils, preview it, make the batch off the GUI thread, print."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.domain.roles import Role
from attendance_desktop.gui import theme
from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.folding_splitter import FoldingSplitter
from attendance_desktop.gui.letters.email_choice import EmailChoice
from attendance_desktop.gui.letters.page_painter import page_image, print_pages
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.letters import (
    letter_layout,
    letter_plans,
    letter_service,
    template_store,
)
from attendance_desktop.services.letters.template_syntax import OPTIONAL_INPUTS
from attendance_desktop.services.pupils import class_service

MODES = (("class", "A class"), ("band", "An attendance band in the period"),
         ("all", "All pupils: pick by hand"))
PREVIEW_WIDTH = 620


SHORT = QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon

class SendLettersWidget(QWidget):
    """Make a batch of letters: one per family, logged, saved as PDFs, ready to print."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.plan: letter_plans.BatchPlan | None = None
        self.result: letter_service.BatchResult | None = None
        self.include_repeats = False
        self.task: BackgroundTask | None = None
        self.preview_pages: list[list[tuple]] = []
        self.preview_index = 0
        self.inputs: dict[str, QLineEdit] = {}
        # pupils the letter does not fit that the head chose to include: id -> reason
        self.include_reasons: dict[int, str] = {}
        self.printer_factory = lambda: QPrinter(QPrinter.PrinterMode.HighResolution)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self.refresh_preview)
        # The candidates' attendance is worked out on the serial worker (about 2 s for a
        # whole school of 2,000): the page stays usable, the list says "Loading…".
        self.pupil_loader = BackgroundLoad(self, lambda: [])
        self.pupil_loader.loaded.connect(self._show_pupils)
        self.pupil_loader.failed.connect(self._pupils_failed)
        self._pending_ticks: list[int] | None = None  # asked for while the list loads
        # The preview plans the batch for every ticked pupil (1.3 s for a class of 285):
        # on the worker too, the newest request wins.
        self.preview_loader = BackgroundLoad(self, lambda: None)
        self.preview_loader.loaded.connect(self._show_preview)
        self.preview_loader.failed.connect(self._preview_failed)
        self._build()
        self._load_templates()
        self._load_mode()

    # -- layout --------------------------------------------------------------------
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        splitter = FoldingSplitter()  # the panes stack when narrow (125-150% scaling)
        outer.addWidget(splitter)

        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 6, 0)
        letter_box = QGroupBox("1. Letter")
        lf = QVBoxLayout(letter_box)
        self.template_combo = QComboBox()
        self.template_combo.setSizeAdjustPolicy(SHORT)  # a long choice does not widen the page
        self.template_combo.setMinimumContentsLength(16)
        self.template_combo.setAccessibleName("Letter to make")
        self.template_combo.setToolTip("Which letter to make (edit the wording under Templates)")
        self.template_combo.currentIndexChanged.connect(self._template_changed)
        self.description = QLabel()
        self.description.setWordWrap(True)
        theme.set_role(self.description, "muted")
        period_row = QHBoxLayout()
        period_row.addWidget(QLabel("Figures for:"))
        self.period_combo = QComboBox()
        self.period_combo.setSizeAdjustPolicy(SHORT)  # a long choice does not widen the page
        self.period_combo.setMinimumContentsLength(16)
        self.period_combo.setAccessibleName("Figures for the period")
        self.period_combo.setToolTip("The period whose attendance the letter quotes (and the "
                                     "band pupils are chosen by)")
        self.period_combo.currentIndexChanged.connect(self._period_changed)
        period_row.addWidget(self.period_combo, 1)
        lf.addWidget(self.template_combo)
        lf.addWidget(self.description)
        lf.addLayout(period_row)
        col.addWidget(letter_box)

        pupils_box = QGroupBox("2. Pupils")
        pf = QVBoxLayout(pupils_box)
        row = QHBoxLayout()
        self.mode_combo = QComboBox()
        self.mode_combo.setSizeAdjustPolicy(SHORT)  # a long choice does not widen the page
        self.mode_combo.setMinimumContentsLength(16)
        self.mode_combo.setAccessibleName("Choose pupils from")
        for key, label in MODES:
            self.mode_combo.addItem(label, key)
        self.mode_combo.currentIndexChanged.connect(self._load_mode)
        self.group_combo = QComboBox()
        self.group_combo.setSizeAdjustPolicy(SHORT)  # a long choice does not widen the page
        self.group_combo.setMinimumContentsLength(16)
        self.group_combo.setAccessibleName("Class or band")
        self.group_combo.currentIndexChanged.connect(self._load_pupils)
        row.addWidget(self.mode_combo, 1)
        row.addWidget(self.group_combo, 1)
        pf.addLayout(row)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a pupil…")
        self.search.setAccessibleName("Find a pupil")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        pf.addWidget(self.search)
        self.pupil_list = QListWidget()
        self.pupil_list.setAccessibleName("Pupils to write to")
        self.pupil_list.setToolTip("Tick the pupils whose families get the letter "
                                   "(Space ticks the selected pupil)")
        self.pupil_list.itemChanged.connect(self._ticks_changed)
        pf.addWidget(self.pupil_list, 1)
        row = QHBoxLayout()
        self.tick_all = QPushButton("Tick all shown")
        self.tick_all.clicked.connect(self._tick_all)
        self.untick_all = QPushButton("Clear ticks")
        self.untick_all.clicked.connect(self._clear_ticks)
        self.count_label = QLabel()
        row.addWidget(self.tick_all)
        row.addWidget(self.untick_all)
        row.addStretch(1)
        row.addWidget(self.count_label)
        pf.addLayout(row)
        col.addWidget(pupils_box, 1)

        self.unfit_box = QGroupBox("Pupils this letter does not fit (left out)")
        uf = QVBoxLayout(self.unfit_box)
        self.unfit_list = QListWidget()
        self.unfit_list.setAccessibleName("Pupils the letter does not fit")
        self.unfit_list.setToolTip(
            "Ticked pupils the letter does not fit, and why. They are left out. The "
            "headteacher can tick one to include them anyway, with a reason (recorded in "
            "the access log)")
        self.unfit_list.setMaximumHeight(120)
        self.unfit_list.setWordWrap(True)
        self.unfit_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.unfit_list.itemChanged.connect(self._unfit_toggled)
        uf.addWidget(self.unfit_list)
        self.unfit_box.setVisible(False)
        col.addWidget(self.unfit_box)

        self.inputs_box = QGroupBox("3. Details for this letter")
        self.inputs_form = QFormLayout(self.inputs_box)
        col.addWidget(self.inputs_box)
        self.email_choice = EmailChoice(self.ctx, self)  # email where we can (issue 17)
        col.addWidget(self.email_choice)

        buttons = QHBoxLayout()
        self.make_button = QPushButton("Make letters…")
        self.make_button.setDefault(True)
        self.make_button.setAccessibleName("Make letters")
        self.make_button.setToolTip("Make one letter per family, save the PDFs and record them "
                                    "in the letters log (Ctrl+Return)")
        self.make_button.clicked.connect(self.make_letters)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.make_letters)
        self.print_button = QPushButton("Print…")
        self.print_button.setToolTip("Print the letters just made (Ctrl+P)")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.print_letters)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.print_letters)
        self.save_button = QPushButton("Save a copy…")
        self.save_button.setToolTip("Save the combined PDF of the letters just made")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_copy)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setToolTip("Open the folder holding the letters just made")
        self.folder_button.setEnabled(False)
        self.folder_button.clicked.connect(self.open_folder)
        for b in (self.make_button, self.print_button, self.save_button, self.folder_button):
            buttons.addWidget(b)
        col.addLayout(buttons)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Letters status")
        col.addWidget(self.status)
        splitter.addWidget(left)

        right = QWidget()
        rc = QVBoxLayout(right)
        rc.setContentsMargins(6, 0, 0, 0)
        head = QHBoxLayout()
        self.preview_title = QLabel("<b>Preview</b>")
        self.prev_page = QPushButton("◀")
        self.prev_page.setAccessibleName("Previous page")
        self.prev_page.setToolTip("Previous page of the preview")
        self.prev_page.setFixedWidth(36)
        self.prev_page.clicked.connect(self._prev_page)
        self.next_page = QPushButton("▶")
        self.next_page.setAccessibleName("Next page")
        self.next_page.setToolTip("Next page of the preview")
        self.next_page.setFixedWidth(36)
        self.next_page.clicked.connect(self._next_page)
        self.page_label = QLabel()
        self.page_label.setMinimumWidth(90)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head.addWidget(self.preview_title, 1)
        head.addWidget(self.prev_page)
        head.addWidget(self.page_label)
        head.addWidget(self.next_page)
        rc.addLayout(head)
        self.preview = QLabel("Tick a pupil to see their letter here.")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.preview.setAccessibleName("Letter preview")
        self.preview.setWordWrap(True)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.preview)
        theme.set_role(scroll, "paper-backdrop")
        rc.addWidget(scroll, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([520, 680])

    # -- choices -------------------------------------------------------------------
    def _load_templates(self) -> None:
        self.template_combo.blockSignals(True)
        current = self.template_combo.currentData()
        self.template_combo.clear()
        for t in template_store.list_templates(self.ctx.engine):
            self.template_combo.addItem(t.title, t.key)
        if current:
            self.template_combo.setCurrentIndex(max(0, self.template_combo.findData(current)))
        self.template_combo.blockSignals(False)
        self._template_changed()

    def select_template(self, key: str) -> None:
        self.template_combo.setCurrentIndex(self.template_combo.findData(key))

    @Slot()
    def _template_changed(self) -> None:
        key = self.template_combo.currentData()
        if not key:
            return
        info = template_store.get_template(self.ctx.engine, key)
        self.description.setText(info.description)
        self._load_periods(key)
        self.include_reasons.clear()  # a reason is for one letter
        # choosing by band: a band letter starts on its own band
        wanted = letter_plans.letter_bands(self.ctx.engine, key)
        if self.mode_combo.currentData() == "band" and wanted:
            index = self.group_combo.findData(wanted[0])
            if index >= 0 and index != self.group_combo.currentIndex():
                self.group_combo.setCurrentIndex(index)
        # one line edit per value the letter needs, keeping what was typed before
        old = {k: w.text() for k, w in self.inputs.items()}
        while self.inputs_form.rowCount():
            self.inputs_form.removeRow(0)
        self.inputs = {}
        for name in info.inputs:
            edit = QLineEdit(old.get(name, ""))
            label = letter_layout.input_label(name)
            edit.setAccessibleName(label)
            edit.setToolTip(f"Printed in the letter where it says {{{name}}}")
            edit.textChanged.connect(self._schedule_preview)
            self.inputs_form.addRow(label, edit)
            self.inputs[name] = edit
        self.inputs_box.setVisible(bool(self.inputs))
        self._schedule_preview()

    def _load_periods(self, key: str) -> None:
        today = self.ctx.today()
        self.period_combo.blockSignals(True)
        self.period_combo.clear()
        for span in letter_plans.period_options(self.ctx.engine, today, key):
            end = min(span.end, today)
            self.period_combo.addItem(f"{span.name} ({span.start:%d %b} to {end:%d %b %Y})",
                                      span)
        self.period_combo.setCurrentIndex(0)
        self.period_combo.blockSignals(False)
        if self.mode_combo.currentData() == "band":
            self._load_pupils()

    def period(self):  # type: ignore[no-untyped-def]
        return self.period_combo.currentData()

    @Slot()
    def _period_changed(self) -> None:
        if self.mode_combo.currentData() == "band":
            self._load_pupils()  # the band depends on the period
        self._schedule_preview()

    @Slot()
    def _load_mode(self) -> None:
        mode = self.mode_combo.currentData()
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        if mode == "class":
            for c in class_service.list_classes(self.ctx.engine):
                self.group_combo.addItem(f"{c.name} ({c.pupil_count})", c.id)
        elif mode == "band":
            first_concern = -1
            for b in letter_plans.bands(self.ctx.engine):
                self.group_combo.addItem(b.label, b.key)
                if b.concern and first_concern < 0:
                    first_concern = self.group_combo.count() - 1
            self.group_combo.setCurrentIndex(max(first_concern, 0))
        self.group_combo.setVisible(mode != "all")
        self.group_combo.blockSignals(False)
        self._load_pupils()

    @Slot()
    def _load_pupils(self) -> None:
        mode = self.mode_combo.currentData()
        data = self.group_combo.currentData()
        kwargs = {}
        if mode == "class" and data is not None:
            kwargs["class_id"] = data
        elif mode == "band" and data is not None:
            kwargs["band_key"] = data
        self.pupil_loader.work = functools.partial(
            letter_plans.pupil_choices, self.ctx.engine, self.ctx.today(),
            period=self.period(), **kwargs)
        self.pupil_loader.request()
        self.pupil_list.blockSignals(True)
        self.pupil_list.clear()
        self.pupil_list.addItem(QListWidgetItem("Loading the pupils and their attendance…"))
        self.pupil_list.blockSignals(False)
        self.pupil_list.setEnabled(False)
        for b in (self.tick_all, self.untick_all, self.make_button):
            b.setEnabled(False)
        self.count_label.setText("Loading…")

    @property
    def loading(self) -> bool:
        return self.pupil_loader.busy

    @Slot()
    def _pupils_failed(self) -> None:
        error = self.pupil_loader.error
        self.pupil_list.clear()
        self.pupil_list.setEnabled(True)
        self.count_label.setText(str(error) if isinstance(error, ServiceError)
                                 else "The pupils could not be read: see the log.")

    @Slot()
    def _show_pupils(self) -> None:
        choices: list[letter_plans.PupilChoice] = self.pupil_loader.result
        mode = self.mode_combo.currentData()
        self.pupil_list.blockSignals(True)
        self.pupil_list.clear()
        # a class or a band ("every lower-amber pupil") starts with everyone ticked
        tick = mode in ("band", "class")
        for c in choices:
            pct = "no marks yet" if c.attendance_pct is None else f"{c.attendance_pct:.1f}%"
            item = QListWidgetItem(f"{c.name}  ·  {c.class_name or 'no class'}  ·  {pct}")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(c.band_label)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if tick else Qt.CheckState.Unchecked)
            self.pupil_list.addItem(item)
        self.pupil_list.blockSignals(False)
        self.pupil_list.setEnabled(True)
        self.tick_all.setEnabled(True)
        self.untick_all.setEnabled(True)
        self._filter(self.search.text())
        if self._pending_ticks is not None:
            ticks, self._pending_ticks = self._pending_ticks, None
            self._tick_exactly(ticks)  # (still "busy" until this slot returns)
        else:
            self._ticks_changed()

    @Slot(str)
    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.pupil_list.count()):
            item = self.pupil_list.item(i)
            item.setHidden(not all(w in item.text().lower() for w in words))

    @Slot()
    def _tick_all(self) -> None:
        self._set_ticks(Qt.CheckState.Checked)

    @Slot()
    def _clear_ticks(self) -> None:
        self._set_ticks(Qt.CheckState.Unchecked)

    def _set_ticks(self, state: Qt.CheckState) -> None:
        self.pupil_list.blockSignals(True)
        for i in range(self.pupil_list.count()):
            item = self.pupil_list.item(i)
            if not item.isHidden() or state == Qt.CheckState.Unchecked:
                item.setCheckState(state)
        self.pupil_list.blockSignals(False)
        self._ticks_changed()

    def tick_pupils(self, pupil_ids: list[int]) -> None:
        """Tick exactly these pupils (used by other screens and tests); while the list
        loads, once it has loaded."""
        if self.pupil_loader.busy:
            self._pending_ticks = list(pupil_ids)
            return
        self._tick_exactly(pupil_ids)

    def _tick_exactly(self, pupil_ids: list[int]) -> None:
        wanted = set(pupil_ids)
        self.pupil_list.blockSignals(True)
        for i in range(self.pupil_list.count()):
            item = self.pupil_list.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.pupil_list.blockSignals(False)
        self._ticks_changed()

    def ticked_ids(self) -> list[int]:
        return [self.pupil_list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.pupil_list.count())
                if self.pupil_list.item(i).checkState() == Qt.CheckState.Checked]

    @Slot()
    def _ticks_changed(self) -> None:
        n = len(self.ticked_ids())
        self.count_label.setText(f"{n} pupil{'s' if n != 1 else ''} ticked")
        self.make_button.setEnabled(n > 0)
        self._schedule_preview()

    def extra(self, *, for_preview: bool = False) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, edit in self.inputs.items():
            key = name.removeprefix("extra:")
            value = edit.text().strip()
            if value or not for_preview:
                out[key] = value
            else:
                out[key] = f"[{letter_layout.input_label(name).lower()}]"
        return out

    # -- preview -------------------------------------------------------------------
    @Slot()
    def _schedule_preview(self) -> None:
        self._preview_timer.start()

    @Slot()
    def refresh_preview(self) -> None:
        ids = self.ticked_ids()
        key = self.template_combo.currentData()
        if not ids or not key:
            self.preview_pages = []
            self.preview.setPixmap(QPixmap())
            self.preview.setText("Tick a pupil to see their letter here.")
            self._show_page()
            return
        self.preview_loader.work = functools.partial(
            _plan_preview, self.ctx.engine, key, ids, self.ctx.today(),
            self.extra(for_preview=True), self.period(), self.includes(ids))
        self.preview_loader.request()
        self.preview_title.setText("<b>Preview</b> (working it out…)")

    @Slot()
    def _preview_failed(self) -> None:
        error = self.preview_loader.error
        self.preview_title.setText("<b>Preview</b>")
        self.preview_pages = []
        self.preview.setPixmap(QPixmap())
        self.preview.setText(str(error) if isinstance(error, ServiceError)
                             else "The preview could not be made: see the log.")
        self._show_page()

    @Slot()
    def _show_preview(self) -> None:
        plan, pages = self.preview_loader.result
        self.preview_title.setText("<b>Preview</b>")
        self._show_unfit(plan)
        if not plan.letters:
            self.preview_pages = []
            self.preview.setPixmap(QPixmap())
            self.preview.setText("This letter fits none of the ticked pupils: see the list "
                                 "of pupils it does not fit, under the pupils.")
            self._show_page()
            return
        self.preview_pages = pages
        self.preview_index = 0
        to = f" of the first letter (to {plan.letters[0].addressee})" if plan.letters else ""
        self.preview_title.setText(f"<b>Preview</b>{to}")
        self._show_page()

    # -- pupils the letter does not fit ---------------------------------------------------
    def includes(self, ids: list[int]) -> dict[int, str]:
        """The head's reasons for the ticked pupils the letter does not fit."""
        return {i: r for i, r in self.include_reasons.items() if i in ids}

    def _show_unfit(self, plan: letter_plans.BatchPlan) -> None:
        rows = [(u.pupil_id, u.name, u.why, "") for u in plan.unfit]
        names = dict(zip((u.pupil_id for u in plan.unfit), (u.name for u in plan.unfit),
                         strict=True))
        for pid, why, reason in plan.included:
            item_name = names.get(pid) or self._pupil_name(pid)
            rows.append((pid, item_name, why, reason))
        self.unfit_list.blockSignals(True)
        self.unfit_list.clear()
        for pid, name, why, reason in sorted(rows, key=lambda r: r[1]):
            text = f"{name}: {why}"
            if reason:
                text += f"  ·  included: {reason}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, pid)
            item.setToolTip(text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if reason else Qt.CheckState.Unchecked)
            self.unfit_list.addItem(item)
        self.unfit_list.blockSignals(False)
        n_out, n_in = len(plan.unfit), len(plan.included)
        self.unfit_box.setVisible(bool(rows))
        self.unfit_box.setTitle(
            f"Pupils this letter does not fit: {n_out} left out"
            + (f", {n_in} included by the headteacher" if n_in else "")
            + " (tick to include, with a reason)")

    def _pupil_name(self, pid: int) -> str:
        for i in range(self.pupil_list.count()):
            item = self.pupil_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == pid:
                return item.text().split("  ·  ")[0]
        return f"pupil {pid}"

    @Slot(QListWidgetItem)
    def _unfit_toggled(self, item: QListWidgetItem) -> None:
        pid = item.data(Qt.ItemDataRole.UserRole)
        if item.checkState() != Qt.CheckState.Checked:
            self.include_reasons.pop(pid, None)
            self._schedule_preview()
            return
        name = item.text().split(": ")[0]
        if self.ctx.actor.role not in (Role.HEAD, Role.SYSTEM):
            QMessageBox.information(self, "Letters", "Only the headteacher can include a "
                                    "pupil the letter does not fit.")
        else:
            reason, ok = QInputDialog.getText(
                self, "Include anyway", f"Why should {name}'s family get this letter although "
                "it does not fit? (recorded in the access log)")
            if ok and reason.strip():
                self.include_pupil(pid, reason)
                return
        self.unfit_list.blockSignals(True)
        item.setCheckState(Qt.CheckState.Unchecked)
        self.unfit_list.blockSignals(False)

    def include_pupil(self, pupil_id: int, reason: str) -> None:
        """Include a pupil the letter does not fit, for this reason (the head's)."""
        if not reason.strip():
            raise ValueError("a reason is needed")
        self.include_reasons[pupil_id] = reason.strip()
        self.refresh_preview()

    def _show_page(self) -> None:
        n = len(self.preview_pages)
        self.prev_page.setEnabled(self.preview_index > 0)
        self.next_page.setEnabled(self.preview_index < n - 1)
        self.page_label.setText(f"Page {self.preview_index + 1} of {n}" if n else "")
        if n:
            image = page_image(self.preview_pages[self.preview_index], PREVIEW_WIDTH)
            self.preview.setPixmap(QPixmap.fromImage(image))

    @Slot()
    def _prev_page(self) -> None:
        self.preview_index = max(0, self.preview_index - 1)
        self._show_page()

    @Slot()
    def _next_page(self) -> None:
        self.preview_index = min(len(self.preview_pages) - 1, self.preview_index + 1)
        self._show_page()

    # -- making the batch ------------------------------------------------------------
    @Slot()
    def make_letters(self) -> None:
        if self.task is not None and self.task.running:
            return
        ids = self.ticked_ids()
        key = self.template_combo.currentData()
        if not ids:
            QMessageBox.information(self, "Letters", "Tick at least one pupil first.")
            return
        missing = [letter_layout.input_label(n) for n, e in self.inputs.items()
                   if not e.text().strip() and n not in OPTIONAL_INPUTS]
        if missing:
            QMessageBox.warning(self, "Letters", "Please fill in: " + ", ".join(missing) + ".")
            return
        try:
            plan = letter_plans.plan_batch(self.ctx.engine, key, ids, today=self.ctx.today(),
                                             extra=self.extra(), period=self.period(),
                                             include=self.includes(ids))
        except ServiceError as exc:
            QMessageBox.warning(self, "Letters", str(exc))
            return
        self._show_unfit(plan)
        if not plan.letters:
            QMessageBox.information(
                self, "Letters", "This letter fits none of the ticked pupils, so no letters "
                "were made. The list under the pupils says why for each.")
            self.status.setText("No letters made: the letter fits none of the ticked pupils.")
            return
        include = False
        if plan.repeats:
            names = "\n".join(f"• {', '.join(x.pupil_names)} (sent {x.repeat_of:%d %b %Y})"
                              for x in plan.repeats[:15])
            more = f"\n…and {len(plan.repeats) - 15} more" if len(plan.repeats) > 15 else ""
            answer = QMessageBox.question(
                self, "Letter sent recently",
                f"{len(plan.repeats)} of the {len(plan.letters)} letters went to the same "
                f"children in the last {plan.repeat_days} days:\n\n{names}{more}\n\n"
                "Send it to them again?\n\nYes: include them.  No: leave them out.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.No)
            if answer == QMessageBox.StandardButton.Cancel:
                return
            include = answer == QMessageBox.StandardButton.Yes
            if not include and len(plan.repeats) == len(plan.letters):
                self.status.setText("No letters made: every family had this letter recently.")
                return
        self.plan, self.include_repeats, self.result = plan, include, None
        for b in (self.print_button, self.save_button, self.folder_button):
            b.setEnabled(False)
        job = functools.partial(self._job, plan, include)
        self.task = BackgroundTask(self, f"Making letters: {plan.title}", job)
        self.task.succeeded.connect(self._made)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)
        self.make_button.setEnabled(False)
        self.status.setText("Making letters…")
        self.task.start()

    def _job(self, plan: letter_plans.BatchPlan, include: bool, token: CancelToken):  # type: ignore[no-untyped-def]
        if self.email_choice.wanted():
            return self.email_choice.job(plan, include, token)
        return letter_service.run_batch(self.ctx.engine, self.ctx.actor, plan,
                                        today=self.ctx.today(),
                                        out_dir=self.ctx.paths.letters_dir, cancel=token,
                                        include_repeats=include)

    @Slot(object)
    def _made(self, result: letter_service.BatchResult) -> None:
        if self.email_choice.took(result):
            return
        self.result = result
        self.make_button.setEnabled(True)
        ok = result.letters_made > 0
        for b in (self.print_button, self.save_button, self.folder_button):
            b.setEnabled(ok)
        skipped = (f" {result.skipped_repeats} left out (sent recently)."
                   if result.skipped_repeats else "")
        warnings = [w for x in (self.plan.letters if self.plan else ()) for w in x.warnings]
        note = ("\n\nPlease check:\n" + "\n".join(f"• {w}" for w in warnings[:8])
                if warnings else "")
        unfit = self.plan.unfit if self.plan else ()
        if unfit:
            skipped += (f" {len(unfit)} pupil{'s' if len(unfit) != 1 else ''} left out "
                        "(the letter does not fit them).")
        self.status.setText(f"{result.letters_made} letters made and recorded.{skipped} "
                            f"Saved in {result.folder}.")
        QMessageBox.information(self, "Letters made",
                                f"{result.letters_made} letters were made and recorded in the "
                                f"letters log.{skipped}\n\nThey are saved in:\n{result.folder}"
                                f"{note}\n\nUse Print… to print them.")

    @Slot(object)
    def _failed(self, exc: object) -> None:
        self.make_button.setEnabled(True)
        self.status.setText(f"No letters were made: {exc}")
        QMessageBox.warning(self, "Letters", f"No letters were made: {exc}")

    @Slot()
    def _cancelled(self) -> None:
        self.make_button.setEnabled(True)
        self.status.setText("Cancelled: no letters were recorded or saved.")

    # -- after the batch ---------------------------------------------------------------
    @Slot()
    def print_letters(self) -> None:
        if self.plan is None or self.result is None or not self.result.letters_made:
            return
        printer = self.printer_factory()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(f"Print {self.result.letters_made} letters")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            _head, pages = letter_layout.plan_pages(self.ctx.engine, self.plan,
                                                     today=self.ctx.today(),
                                                     include_repeats=self.include_repeats)
            print_pages(printer, pages)
        except (ServiceError, OSError) as exc:
            QMessageBox.warning(self, "Print", f"The letters could not be printed: {exc}")
            return
        self.status.setText(f"{len(pages)} pages sent to the printer.")

    @Slot()
    def save_copy(self) -> None:
        if self.result is None or self.result.combined_pdf is None:
            return
        parts = self.result.combined_parts
        if len(parts) > 1:  # a big batch: the combined file is in parts of 250 letters
            folder = QFileDialog.getExistingDirectory(
                self, f"Save the {len(parts)} combined PDFs in a folder", str(Path.home()))
            if folder:
                try:
                    for part in parts:
                        shutil.copyfile(part, Path(folder) / part.name)
                except OSError as exc:
                    QMessageBox.warning(self, "Save", f"The PDFs could not be saved: {exc}")
                    return
                self.status.setText(f"Saved {len(parts)} combined PDFs in {folder}.")
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save the letters as one PDF",
                                              str(Path.home() / self.result.combined_pdf.name),
                                              "PDF files (*.pdf)")
        if name:
            try:
                shutil.copyfile(self.result.combined_pdf, name)
            except OSError as exc:
                QMessageBox.warning(self, "Save", f"The PDF could not be saved: {exc}")
                return
            self.status.setText(f"Saved a copy as {name}.")

    @Slot()
    def open_folder(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.folder)))


def _plan_preview(engine, key, ids, today, extra, period, include):  # type: ignore[no-untyped-def]
    """On the serial worker: the batch plan and the first letter's pages (no Qt here)."""
    plan = letter_plans.plan_batch(engine, key, ids, today=today, extra=extra,
                                     period=period, include=include)
    _head, pages = letter_layout.plan_pages(engine, plan, today=today,
                                             include_repeats=True, limit=1)
    return plan, pages
