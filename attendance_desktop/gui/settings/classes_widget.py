"""Classes: names, class teacher and the order they are listed in (mixed-age is fine)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.roles import Role
from attendance_desktop.gui.settings.common import MessageLabel, hint
from attendance_desktop.gui.tables import read_only_table
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pupils import class_service
from attendance_desktop.services.pupils.class_service import ClassInfo
from attendance_desktop.services.school import staff_service


class ClassesEditor(QWidget):
    """Each button is one saved action (add, save changes, move, remove)."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        can = ctx.actor.can_edit_settings
        self.table = read_only_table(["Class", "Class teacher", "Pupils"], "Classes",
                                     object_name="classesTable")
        self.table.verticalHeader().setVisible(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.name = QLineEdit()
        self.name.setObjectName("className")
        self.name.setAccessibleName("Class name")
        self.name.setPlaceholderText("e.g. Oak, Year 1/2, Reception")
        self.name.returnPressed.connect(self._add)
        self.teacher = QComboBox()
        self.teacher.setAccessibleName("Class teacher")
        self.teacher.setToolTip("A teacher can take their own class's register")
        form = QFormLayout()
        form.addRow("Class &name", self.name)
        form.addRow("Class &teacher", self.teacher)
        self.add_button = QPushButton("&Add class")
        self.add_button.setObjectName("addClass")
        self.save_button = QPushButton("Save &changes to selected")
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move do&wn")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setToolTip("Only a class that has never had pupils can be removed")
        for b, slot in ((self.add_button, self._add), (self.save_button, self._save),
                        (self.up_button, self._up), (self.down_button, self._down),
                        (self.remove_button, self._remove)):
            b.clicked.connect(slot)
            b.setEnabled(can)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.save_button, self.up_button, self.down_button,
                  self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = MessageLabel("classesMessage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(hint("Mixed-age classes are fine: a pupil's year group is recorded"
                              " on the pupil, not the class. The order here is the order"
                              " classes are listed in registers and reports."))
        layout.addWidget(self.table, 1)
        form_box = QWidget()
        form_box.setLayout(form)
        form_box.setMaximumWidth(720)
        layout.addWidget(form_box)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        self.teacher.clear()
        self.teacher.addItem("(none yet)", None)
        for s in staff_service.list_staff(self.ctx.engine, include_inactive=False):
            if s.role in (Role.TEACHER, Role.HEAD):
                self.teacher.addItem(f"{s.name} ({s.role.label})", s.id)
        self.classes: list[ClassInfo] = class_service.list_classes(self.ctx.engine)
        self.table.setRowCount(len(self.classes))
        for r, c in enumerate(self.classes):
            for col, text in enumerate((c.name, c.teacher_name or "—", str(c.pupil_count))):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, c.id)
                self.table.setItem(r, col, item)
            if c.id == select_id:
                self.table.selectRow(r)
        self._selected()

    def current(self) -> ClassInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.classes[rows[0].row()] if rows else None

    @Slot()
    def _selected(self) -> None:
        c = self.current()
        can = self.ctx.actor.can_edit_settings
        for b in (self.save_button, self.up_button, self.down_button, self.remove_button):
            b.setEnabled(can and c is not None)
        if c is not None:
            self.name.setText(c.name)
            self.teacher.setCurrentIndex(max(0, self.teacher.findData(c.teacher_id)))

    def _run(self, action, ok: str, select_id: int | None = None) -> bool:  # type: ignore[no-untyped-def]
        try:
            result = action()
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return False
        self.message.show_ok(ok)
        self.refresh(select_id if select_id is not None else
                     result if isinstance(result, int) else None)
        self.changed.emit()
        return True

    @Slot()
    def _add(self) -> None:
        name = self.name.text()
        if self._run(lambda: class_service.save_class(
                self.ctx.engine, self.ctx.actor, name, self.teacher.currentData()),
                f"Added class '{name.strip()}'."):
            self.table.clearSelection()
            self.name.clear()
            self.teacher.setCurrentIndex(0)
            self.name.setFocus()

    @Slot()
    def _save(self) -> None:
        c = self.current()
        if c is None:
            return
        self._run(lambda: class_service.save_class(
            self.ctx.engine, self.ctx.actor, self.name.text(), self.teacher.currentData(),
            c.sort_order, c.id), "Saved.", c.id)

    def _move(self, step: int) -> None:
        c = self.current()
        if c is None:
            return
        i = self.classes.index(c)
        j = i + step
        if not 0 <= j < len(self.classes):
            return
        order = list(self.classes)
        order[i], order[j] = order[j], order[i]

        def renumber() -> None:
            for n, x in enumerate(order, start=1):
                if x.sort_order != n:
                    class_service.save_class(self.ctx.engine, self.ctx.actor, x.name,
                                             x.teacher_id, n, x.id)
        self._run(renumber, "Order saved.", c.id)

    @Slot()
    def _up(self) -> None:
        self._move(-1)

    @Slot()
    def _down(self) -> None:
        self._move(1)

    @Slot()
    def _remove(self) -> None:
        c = self.current()
        if c is None:
            return
        answer = QMessageBox.question(self, "Remove class", f"Remove the class '{c.name}'?")
        if answer == QMessageBox.StandardButton.Yes:
            self._run(lambda: class_service.delete_class(self.ctx.engine, self.ctx.actor, c.id),
                      f"Removed '{c.name}'.")
