"""Classes: names, class teacher and the order they are listed in (mixed-age is fine).
Layout: ui/settings/classes.ui."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHeaderView, QMessageBox, QTableWidgetItem, QWidget

from attendance_desktop.domain.roles import Role
from attendance_desktop.gui.generated.settings.ui_classes import Ui_ClassesEditor
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
        self.ui = Ui_ClassesEditor()
        self.ui.setupUi(self)
        ui = self.ui
        can = ctx.actor.can_edit_settings
        header = ui.classesTable.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        ui.classesTable.itemSelectionChanged.connect(self._selected)
        ui.className.returnPressed.connect(self._add)
        for b, slot in ((ui.addClass, self._add), (ui.save_button, self._save),
                        (ui.up_button, self._up), (ui.down_button, self._down),
                        (ui.remove_button, self._remove)):
            b.clicked.connect(slot)
            b.setEnabled(can)
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        self.ui.teacher.clear()
        self.ui.teacher.addItem("(none yet)", None)
        for s in staff_service.list_staff(self.ctx.engine, include_inactive=False):
            if s.role in (Role.TEACHER, Role.HEAD):
                self.ui.teacher.addItem(f"{s.name} ({s.role.label})", s.id)
        self.classes: list[ClassInfo] = class_service.list_classes(self.ctx.engine)
        self.ui.classesTable.setRowCount(len(self.classes))
        for r, c in enumerate(self.classes):
            for col, text in enumerate((c.name, c.teacher_name or "—", str(c.pupil_count))):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, c.id)
                self.ui.classesTable.setItem(r, col, item)
            if c.id == select_id:
                self.ui.classesTable.selectRow(r)
        self._selected()

    def current(self) -> ClassInfo | None:
        rows = self.ui.classesTable.selectionModel().selectedRows()
        return self.classes[rows[0].row()] if rows else None

    @Slot()
    def _selected(self) -> None:
        c = self.current()
        can = self.ctx.actor.can_edit_settings
        ui = self.ui
        for b in (ui.save_button, ui.up_button, ui.down_button, ui.remove_button):
            b.setEnabled(can and c is not None)
        if c is not None:
            self.ui.className.setText(c.name)
            self.ui.teacher.setCurrentIndex(max(0, self.ui.teacher.findData(c.teacher_id)))

    def _run(self, action, ok: str, select_id: int | None = None) -> bool:  # type: ignore[no-untyped-def]
        try:
            result = action()
        except ServiceError as exc:
            self.ui.classesMessage.show_error(str(exc))
            return False
        self.ui.classesMessage.show_ok(ok)
        self.refresh(select_id if select_id is not None else
                     result if isinstance(result, int) else None)
        self.changed.emit()
        return True

    @Slot()
    def _add(self) -> None:
        name = self.ui.className.text()
        if self._run(lambda: class_service.save_class(
                self.ctx.engine, self.ctx.actor, name, self.ui.teacher.currentData()),
                f"Added class '{name.strip()}'."):
            self.ui.classesTable.clearSelection()
            self.ui.className.clear()
            self.ui.teacher.setCurrentIndex(0)
            self.ui.className.setFocus()

    @Slot()
    def _save(self) -> None:
        c = self.current()
        if c is None:
            return
        self._run(lambda: class_service.save_class(
            self.ctx.engine, self.ctx.actor, self.ui.className.text(),
            self.ui.teacher.currentData(),
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
