"""Staff accounts (headteacher only): add, change role, reset PIN, disable or enable.
Layout: ui/settings/staff.ui."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QTableWidgetItem,
    QWidget,
)

from attendance_desktop.domain.roles import Role
from attendance_desktop.gui import theme
from attendance_desktop.gui.generated.settings.ui_staff import Ui_StaffEditor
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import staff_service
from attendance_desktop.services.school.auth_service import MIN_PIN_LENGTH, StaffInfo
from attendance_desktop.services.school.staff_service import ASSIGNABLE_ROLES

ROLE_HELP = {
    Role.HEAD: "everything, including settings, staff and leave decisions",
    Role.OFFICE: "registers, amendments, pupils, letters",
    Role.TEACHER: "their own class's register",
    Role.READONLY: "look only",
}


class StaffEditor(QWidget):
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ui = Ui_StaffEditor()
        self.ui.setupUi(self)
        ui = self.ui
        can = ctx.actor.can_manage_staff
        header = ui.staffTable.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        ui.staffTable.itemSelectionChanged.connect(self._selected)
        for r in ASSIGNABLE_ROLES:
            ui.staffRole.addItem(f"{r.label} — {ROLE_HELP[r]}", r.value)
        ui.staffPin.setToolTip("Used to sign in. Head and office accounts need at least 6"
                               f" characters by default (others {MIN_PIN_LENGTH}; Settings →"
                               " Policy); no repeated or running digits")
        for b, slot in ((ui.addStaff, self._add), (ui.role_button, self._change_role),
                        (ui.pin_button, self._reset_pin),
                        (ui.active_button, self._toggle_active)):
            b.clicked.connect(slot)
            b.setEnabled(can)
        if not can:
            ui.staffMessage.show_warning("Only the headteacher can manage staff accounts.")
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        self.staff: list[StaffInfo] = staff_service.list_staff(self.ctx.engine)
        self.ui.staffTable.setRowCount(len(self.staff))
        for r, s in enumerate(self.staff):
            for col, text in enumerate((s.name, s.role.label,
                                        "Active" if s.active else "Disabled")):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.id)
                if not s.active:
                    item.setForeground(theme.colour("muted"))
                self.ui.staffTable.setItem(r, col, item)
            if s.id == select_id:
                self.ui.staffTable.selectRow(r)
        self._selected()

    def current(self) -> StaffInfo | None:
        rows = self.ui.staffTable.selectionModel().selectedRows()
        return self.staff[rows[0].row()] if rows else None

    @Slot()
    def _selected(self) -> None:
        s = self.current()
        can = self.ctx.actor.can_manage_staff
        for b in (self.ui.role_button, self.ui.pin_button, self.ui.active_button):
            b.setEnabled(can and s is not None)
        self.ui.active_button.setText("&Enable" if s is not None and not s.active else "&Disable")
        if s is not None:
            self.ui.staffRole.setCurrentIndex(max(0, self.ui.staffRole.findData(s.role.value)))

    def _run(self, action, ok: str, select_id: int | None = None) -> bool:  # type: ignore[no-untyped-def]
        try:
            result = action()
        except ServiceError as exc:
            self.ui.staffMessage.show_error(str(exc))
            return False
        self.ui.staffMessage.show_ok(ok)
        self.refresh(select_id if select_id is not None else
                     result if isinstance(result, int) else None)
        self.changed.emit()
        return True

    @Slot()
    def _add(self) -> None:
        if self.ui.staffPin.text() != self.ui.staffPin2.text():
            self.ui.staffMessage.show_error("PIN again: the two PINs are different; type them"
                                            " again")
            return
        name = self.ui.staffName.text().strip()
        role = self.ui.staffRole.currentData()
        pin = self.ui.staffPin.text()
        if self._run(lambda: staff_service.add_staff(self.ctx.engine, self.ctx.actor, name,
                                                     role, pin),
                     f"Added {name} ({Role(role).label})."):
            self.ui.staffTable.clearSelection()
            for edit in (self.ui.staffName, self.ui.staffPin, self.ui.staffPin2):
                edit.clear()
            self.ui.staffName.setFocus()

    @Slot()
    def _change_role(self) -> None:
        s = self.current()
        if s is None:
            return
        role = self.ui.staffRole.currentData()
        self._run(lambda: staff_service.change_role(self.ctx.engine, self.ctx.actor, s.id, role),
                  f"{s.name} is now {Role(role).label}.", s.id)

    @Slot()
    def _reset_pin(self) -> None:
        s = self.current()
        if s is None:
            return
        pin, ok = QInputDialog.getText(self, "Reset PIN", f"New PIN or password for {s.name}"
                                       " (head and office: at least 6 characters by"
                                       f" default, others {MIN_PIN_LENGTH}; no repeated or"
                                       " running digits):",
                                       QLineEdit.EchoMode.Password)
        if not ok:
            return
        self._run(lambda: staff_service.reset_pin(self.ctx.engine, self.ctx.actor, s.id, pin),
                  f"{s.name}'s PIN has been reset.", s.id)

    @Slot()
    def _toggle_active(self) -> None:
        s = self.current()
        if s is None:
            return
        if s.active:
            answer = QMessageBox.question(
                self, "Disable account", f"Disable {s.name}'s account? They will not be able"
                " to sign in. Their name stays on everything they entered.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._run(lambda: staff_service.set_active(self.ctx.engine, self.ctx.actor, s.id,
                                                   not s.active),
                  f"{s.name}'s account is {'enabled' if not s.active else 'disabled'}.", s.id)

    def has_active_head(self) -> bool:
        return any(s.active and s.role is Role.HEAD for s in self.staff)
