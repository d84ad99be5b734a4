"""Staff accounts (headteacher only): add, change role, reset PIN, disable or enable."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
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
        can = ctx.actor.can_manage_staff
        self.table = read_only_table(["Name", "Role", "Account"], "Staff accounts",
                                     object_name="staffTable")
        self.table.verticalHeader().setVisible(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.name = QLineEdit()
        self.name.setObjectName("staffName")
        self.name.setAccessibleName("Staff name")
        self.role = QComboBox()
        self.role.setObjectName("staffRole")
        self.role.setAccessibleName("Role")
        for r in ASSIGNABLE_ROLES:
            self.role.addItem(f"{r.label} — {ROLE_HELP[r]}", r.value)
        self.pin = QLineEdit()
        self.pin.setObjectName("staffPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName("PIN or password")
        self.pin.setToolTip("Used to sign in. Head and office accounts need at least 6"
                            f" characters by default (others {MIN_PIN_LENGTH}; Settings →"
                            " Policy); no repeated or running digits")
        self.pin2 = QLineEdit()
        self.pin2.setObjectName("staffPin2")
        self.pin2.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin2.setAccessibleName("PIN again")
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Role", self.role)
        form.addRow("&PIN or password", self.pin)
        form.addRow("PIN a&gain", self.pin2)
        self.add_button = QPushButton("&Add account")
        self.add_button.setObjectName("addStaff")
        self.role_button = QPushButton("&Change role of selected")
        self.pin_button = QPushButton("Reset P&IN…")
        self.active_button = QPushButton("&Disable")
        for b, slot in ((self.add_button, self._add), (self.role_button, self._change_role),
                        (self.pin_button, self._reset_pin),
                        (self.active_button, self._toggle_active)):
            b.clicked.connect(slot)
            b.setEnabled(can)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.role_button, self.pin_button, self.active_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = MessageLabel("staffMessage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(hint("Accounts are never deleted (their names stay on the marks they"
                              " entered): disable an account when someone leaves. There must"
                              " always be at least one active headteacher account."))
        layout.addWidget(self.table, 1)
        form_box = QWidget()
        form_box.setLayout(form)
        form_box.setMaximumWidth(720)
        layout.addWidget(form_box)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        if not can:
            self.message.show_warning("Only the headteacher can manage staff accounts.")
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        self.staff: list[StaffInfo] = staff_service.list_staff(self.ctx.engine)
        self.table.setRowCount(len(self.staff))
        for r, s in enumerate(self.staff):
            for col, text in enumerate((s.name, s.role.label,
                                        "Active" if s.active else "Disabled")):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.id)
                if not s.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(r, col, item)
            if s.id == select_id:
                self.table.selectRow(r)
        self._selected()

    def current(self) -> StaffInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.staff[rows[0].row()] if rows else None

    @Slot()
    def _selected(self) -> None:
        s = self.current()
        can = self.ctx.actor.can_manage_staff
        for b in (self.role_button, self.pin_button, self.active_button):
            b.setEnabled(can and s is not None)
        self.active_button.setText("&Enable" if s is not None and not s.active else "&Disable")
        if s is not None:
            self.role.setCurrentIndex(max(0, self.role.findData(s.role.value)))

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
        if self.pin.text() != self.pin2.text():
            self.message.show_error("PIN again: the two PINs are different; type them again")
            return
        name = self.name.text().strip()
        role = self.role.currentData()
        pin = self.pin.text()
        if self._run(lambda: staff_service.add_staff(self.ctx.engine, self.ctx.actor, name,
                                                     role, pin),
                     f"Added {name} ({Role(role).label})."):
            self.table.clearSelection()
            for edit in (self.name, self.pin, self.pin2):
                edit.clear()
            self.name.setFocus()

    @Slot()
    def _change_role(self) -> None:
        s = self.current()
        if s is None:
            return
        role = self.role.currentData()
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
