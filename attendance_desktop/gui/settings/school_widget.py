"""School details form (name, address, URN, local authority, head, attendance lead, logo)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.settings.common import MessageLabel, image_file_to_png
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import school_service
from attendance_desktop.services.school.school_service import SchoolDetails

LOGO_MAX_SIDE = 400


class SchoolDetailsForm(QWidget):
    """Edits a SchoolDetails; the caller decides when to save."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._logo: bytes | None = None
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name = self._line("School name", "The school's full name, as on letters")
        self.address = QPlainTextEdit()
        self.address.setAccessibleName("Address")
        self.address.setToolTip("Postal address, one line per row (printed on letters)")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(70)
        self.postcode = self._line("Postcode", "")
        self.phone = self._line("Phone", "Office phone number for letters")
        self.email = self._line("Email", "Office email address for letters")
        self.urn = self._line("URN", "Unique Reference Number: 6 digits (from Get Information"
                              " about Schools)")
        self.urn.setMaxLength(6)
        self.urn.setInputMask("")
        self.local_authority = self._line("Local authority", "")
        self.head_name = self._line("Headteacher", "Name printed on letters")
        self.lead_name = self._line("Attendance lead", "The member of staff who leads on"
                                    " attendance (may be the head)")
        form.addRow("School &name *", self.name)
        form.addRow("&Address", self.address)
        form.addRow("&Postcode", self.postcode)
        form.addRow("P&hone", self.phone)
        form.addRow("&Email", self.email)
        form.addRow("&URN (6 digits)", self.urn)
        form.addRow("&Local authority", self.local_authority)
        form.addRow("Head&teacher", self.head_name)
        form.addRow("Attendance lea&d", self.lead_name)
        self.logo_preview = QLabel("No logo")
        self.logo_preview.setObjectName("logoPreview")
        self.logo_preview.setFixedSize(120, 80)
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setStyleSheet("QLabel { border: 1px solid #bbb; background: white; }")
        self.choose_logo = QPushButton("Choose l&ogo…")
        self.choose_logo.setToolTip("A PNG or JPEG image of the school's logo (for letters)")
        self.choose_logo.setAccessibleName("Choose logo")
        self.choose_logo.clicked.connect(self._choose_logo)
        self.remove_logo = QPushButton("Remove logo")
        self.remove_logo.clicked.connect(self._remove_logo)
        logo_buttons = QVBoxLayout()
        logo_buttons.addWidget(self.choose_logo)
        logo_buttons.addWidget(self.remove_logo)
        logo_buttons.addStretch(1)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_preview)
        logo_row.addLayout(logo_buttons)
        logo_row.addStretch(1)
        form.addRow("Logo", logo_row)
        self.message = MessageLabel("schoolMessage")
        self.setMaximumWidth(900)  # long lines are hard to read on a wide screen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self._show_logo()

    def _line(self, name: str, tip: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        if tip:
            edit.setToolTip(tip)
        return edit

    def load(self, d: SchoolDetails) -> None:
        self.name.setText(d.name)
        self.address.setPlainText(d.address)
        self.postcode.setText(d.postcode)
        self.phone.setText(d.phone)
        self.email.setText(d.email)
        self.urn.setText(d.urn)
        self.local_authority.setText(d.local_authority)
        self.head_name.setText(d.head_name)
        self.lead_name.setText(d.attendance_lead_name)
        self._logo = d.logo_png
        self._show_logo()

    def details(self) -> SchoolDetails:
        return SchoolDetails(
            name=self.name.text(), address=self.address.toPlainText().strip(),
            postcode=self.postcode.text(), phone=self.phone.text(), email=self.email.text(),
            urn=self.urn.text(), local_authority=self.local_authority.text(),
            head_name=self.head_name.text(), attendance_lead_name=self.lead_name.text(),
            logo_png=self._logo)

    def set_logo_png(self, data: bytes | None) -> None:
        self._logo = data
        self._show_logo()

    @Slot()
    def _choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the school logo", "",
                                              "Images (*.png *.jpg *.jpeg)")
        if not path:
            return
        data = image_file_to_png(path, LOGO_MAX_SIDE)
        if data is None:
            self.message.show_error(f"Logo: {path} could not be read as a PNG or JPEG image")
            return
        self.message.clear_message()
        self.set_logo_png(data)

    @Slot()
    def _remove_logo(self) -> None:
        self.set_logo_png(None)

    def _show_logo(self) -> None:
        self.remove_logo.setEnabled(self._logo is not None)
        if not self._logo:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("No logo")
            return
        pix = QPixmap()
        pix.loadFromData(self._logo)
        self.logo_preview.setPixmap(pix.scaled(
            116, 76, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))

    def save(self, ctx: AppContext) -> bool:
        """Save through the service; show what is wrong and return False on failure."""
        problems = school_service.detail_problems(self.details())
        if problems:
            self.message.show_error("Please correct:\n" + "\n".join(f"• {p}" for p in problems))
            return False
        try:
            changed = school_service.save_school(ctx.engine, ctx.actor, self.details())
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return False
        self.message.show_ok("Saved." if changed else "No changes to save.")
        return True


class SchoolSettingsPage(QWidget):
    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.form = SchoolDetailsForm()
        self.form.load(school_service.get_school(ctx.engine).details)
        self.save_button = QPushButton("&Save school details")
        self.save_button.setAccessibleName("Save school details")
        self.save_button.clicked.connect(self._save)
        self.save_button.setEnabled(ctx.actor.can_edit_settings)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        layout.addStretch(1)

    @Slot()
    def _save(self) -> None:
        if self.form.save(self.ctx):
            self.saved.emit()
