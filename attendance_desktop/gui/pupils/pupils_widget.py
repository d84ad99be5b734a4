"""Pupils area: a searchable list on the left, the selected pupil's profile on the right
(gui/pupils/profile_widget.py)."""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.column_widths import fit_columns
from attendance_desktop.gui.flow_layout import flow_row
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.gui.pupils import pupil_reads
from attendance_desktop.gui.pupils.ctf_import_dialog import import_ctf_file
from attendance_desktop.gui.pupils.profile_widget import LOADING_TEXT, PupilProfileWidget
from attendance_desktop.gui.pupils.pupil_dialogs import (
    PupilEditDialog,
)
from attendance_desktop.gui.pupils.pupil_list_model import PupilListModel, row_texts
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pupils import class_service
from attendance_desktop.services.pupils.pupil_service import (
    PupilSummary,
)

log = logging.getLogger(__name__)


class PupilTable(QTableView):
    """The pupil list: names first. The class and year columns are as wide as their first
    rows, but the class gives way to the names in a narrow pane (150% scaling): it keeps
    what the names (up to 60% of the list) leave, and a class cut short is in the row's
    tooltip."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.share_columns()

    def share_columns(self) -> None:
        model = self.model()
        metrics = self.fontMetrics()
        names = (model.index(row, 0).data() for row in range(min(model.rowCount(), 300)))
        widest = max((metrics.horizontalAdvance(str(n)) for n in names if n), default=0)
        width = self.viewport().width()
        fit_columns(self, caps={2: 60})  # the year first: its width is known then
        name_room = min(widest + 14, int(width * 0.6))
        fit_columns(self, caps={1: max(60, width - self.columnWidth(2) - name_room), 2: 60})


class PupilsWidget(QWidget):
    list_loaded = Signal()  # the list has been read and shown

    def __init__(self, ctx: AppContext, navigator: Navigator | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.search = QLineEdit()
        self.search.setObjectName("pupilSearch")
        self.search.setPlaceholderText("Search name, UPN or class (Ctrl+F)")
        self.search.setAccessibleName("Search pupils")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter_changed)
        self.klass = QComboBox()
        self.klass.setObjectName("classFilter")
        self.klass.setAccessibleName("Class filter")
        self.klass.currentIndexChanged.connect(self._filter_changed)
        self.leavers = QCheckBox("Sho&w leavers")
        self.leavers.setObjectName("showLeavers")
        self.leavers.toggled.connect(self._filter_changed)
        self.model = PupilListModel()
        self.table = PupilTable()
        self.table.setModel(self.model)
        self.table.setObjectName("pupilList")
        self.table.setAccessibleName("Pupils")
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)  # one line a pupil: a long class is elided (tooltip)
        self.table.share_columns()
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.count = QLabel("")
        self.count.setObjectName("pupilListCount")
        self.add_button = QPushButton("&Add pupil…")
        self.add_button.setObjectName("addPupil")
        self.add_button.setEnabled(ctx.actor.can_edit_pupils)
        self.add_button.clicked.connect(self._add)
        self.ctf_import = QPushButton("&Import CTF…")
        self.ctf_import.setObjectName("importCtf")
        self.ctf_import.setToolTip("Pupils from a DfE Common Transfer File: see every change "
                                   "before anything is saved")
        self.ctf_import.setEnabled(ctx.actor.can_edit_pupils)
        self.ctf_import.clicked.connect(self._import_ctf)
        filters = QHBoxLayout()
        filters.addWidget(self.klass, 1)
        filters.addWidget(self.leavers)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(QLabel("<h2>Pupils</h2>"))
        ll.addWidget(self.search)
        ll.addLayout(filters)
        ll.addWidget(self.table, 1)
        self.count.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        ll.addWidget(flow_row(self.count, self.ctf_import, self.add_button))
        self.profile = PupilProfileWidget(ctx, self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.profile)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setSizes([330, 830])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        self.pupils: list[PupilSummary] = []
        self.classes: tuple[tuple[int, str], ...] = ()
        self.keep: int | None = None  # the pupil to keep chosen when the list comes
        self.reload_profile = False
        self.loader = BackgroundLoad(self, lambda: None)
        self.loader.loaded.connect(self._list_loaded)
        self.loader.failed.connect(self._list_failed)
        self.klass.addItem("All classes", None)
        self.profile.show_pupil(None)
        self.refresh()

    def _show_classes(self, classes: tuple[tuple[int, str], ...]) -> None:
        """The class filter follows the school's classes, keeping the one chosen."""
        if classes == self.classes:
            return
        self.classes = classes
        chosen = self.klass.currentData()
        self.klass.blockSignals(True)
        self.klass.clear()
        self.klass.addItem("All classes", None)
        for cid, name in classes:
            self.klass.addItem(name, cid)
        self.klass.setCurrentIndex(max(0, self.klass.findData(chosen)))
        self.klass.blockSignals(False)

    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @Slot()
    def _filter_changed(self) -> None:
        self.refresh(keep=self.profile.pupil_id)

    @property
    def loading(self) -> bool:
        return self.loader.busy

    def refresh(self, keep: int | None = None, reload_profile: bool = False) -> None:
        """Read the list again on the serial worker with the filters as they are now; the
        rows shown stay (disabled) until it comes, and only the latest read is shown."""
        self.keep = keep
        self.reload_profile = self.reload_profile or reload_profile
        self.loader.work = partial(pupil_reads.read_list, self.ctx.engine, self.search.text(),
                                   self.klass.currentData(), self.leavers.isChecked())
        self.loader.request()
        self.table.setEnabled(False)
        self.add_button.setEnabled(False)
        self.ctf_import.setEnabled(False)
        self.count.setText(LOADING_TEXT)

    def _loaded_controls(self) -> None:
        self.table.setEnabled(True)
        self.add_button.setEnabled(self.ctx.actor.can_edit_pupils)
        self.ctf_import.setEnabled(self.ctx.actor.can_edit_pupils)

    @Slot()
    def _list_failed(self) -> None:
        exc = self.loader.error
        if not isinstance(exc, ServiceError):
            log.error("The pupil list could not be read", exc_info=exc)
        self._loaded_controls()
        self.reload_profile = False
        self.count.setText(str(exc) if isinstance(exc, ServiceError) else
                           "The pupil list could not be read: see the log.")
        theme.set_role(self.count, "error")

    @Slot()
    def _list_loaded(self) -> None:
        data: pupil_reads.PupilList = self.loader.result
        keep, reload_profile = self.keep, self.reload_profile
        self.reload_profile = False
        theme.set_role(self.count, "")
        self._loaded_controls()
        self._show_classes(data.classes)
        self.pupils = data.pupils
        selections = self.table.selectionModel()
        selections.blockSignals(True)
        self.model.set_pupils(self.pupils)
        self.table.share_columns()
        selected_row = self.model.row_of(keep) if keep is not None else -1
        if selected_row >= 0:
            self.table.selectRow(selected_row)
            self.table.scrollTo(self.model.index(selected_row, 0))
        else:
            self.table.clearSelection()
        selections.blockSignals(False)
        on_roll = sum(1 for p in self.pupils if p.on_roll)
        self.count.setText(f"{len(self.pupils)} shown ({on_roll} on roll)")
        if keep is not None and (selected_row >= 0 or self.profile.pupil_id == keep):
            if reload_profile or self.profile.pupil_id != keep:
                self.profile.show_pupil(keep)
        elif selected_row < 0 and self.profile.pupil_id is not None:
            self.profile.show_pupil(None)
        self.list_loaded.emit()

    def names(self) -> list[str]:
        """The list as shown (first column)."""
        return [row_texts(p)[0] for p in self.model.pupils]

    def _selected(self, *_changes: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.profile.show_pupil(self.pupils[rows[0].row()].id if rows else None)

    def show_pupil(self, pupil_id: int) -> None:
        """Open this pupil's profile, widening the list (leavers, all classes) if needed."""
        if not any(p.id == pupil_id for p in self.pupils):
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.klass.blockSignals(True)
            self.klass.setCurrentIndex(0)
            self.klass.blockSignals(False)
            self.leavers.blockSignals(True)
            self.leavers.setChecked(True)
            self.leavers.blockSignals(False)
        self.profile.show_pupil(pupil_id)  # read now; the list follows and keeps it
        self.refresh(keep=pupil_id)

    @Slot()
    def _import_ctf(self) -> None:
        if import_ctf_file(self.ctx, self):  # the list brings any new classes
            self.refresh(keep=self.profile.pupil_id, reload_profile=True)

    @Slot()
    def _add(self) -> None:
        dialog = PupilEditDialog(self.ctx, class_service.list_classes(self.ctx.engine),
                                 parent=self)
        if dialog.exec() and dialog.saved_id is not None:
            self.search.clear()
            self.refresh(keep=dialog.saved_id)
