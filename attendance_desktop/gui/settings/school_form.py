"""School details form (name, address, URN, local authority, head, attendance lead, logo):
the settings page and the set-up wizard both use it. Layout: ui/settings/school_details.ui."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QWidget

from attendance_desktop.gui.common import image_file_to_png
from attendance_desktop.gui.generated.settings.ui_school_details import Ui_SchoolDetailsForm
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
        self.ui = Ui_SchoolDetailsForm()
        self.ui.setupUi(self)
        self.message = self.ui.schoolMessage
        self.ui.choose_logo.clicked.connect(self._choose_logo)
        self.ui.remove_logo.clicked.connect(self._remove_logo)
        self._show_logo()

    def load(self, d: SchoolDetails) -> None:
        ui = self.ui
        ui.name.setText(d.name)
        ui.address.setPlainText(d.address)
        ui.postcode.setText(d.postcode)
        ui.phone.setText(d.phone)
        ui.email.setText(d.email)
        ui.urn.setText(d.urn)
        ui.local_authority.setText(d.local_authority)
        ui.head_name.setText(d.head_name)
        ui.lead_name.setText(d.attendance_lead_name)
        self._logo = d.logo_png
        self._show_logo()

    def details(self) -> SchoolDetails:
        ui = self.ui
        return SchoolDetails(
            name=ui.name.text(), address=ui.address.toPlainText().strip(),
            postcode=ui.postcode.text(), phone=ui.phone.text(), email=ui.email.text(),
            urn=ui.urn.text(), local_authority=ui.local_authority.text(),
            head_name=ui.head_name.text(), attendance_lead_name=ui.lead_name.text(),
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
        preview = self.ui.logoPreview
        self.ui.remove_logo.setEnabled(self._logo is not None)
        if not self._logo:
            preview.setPixmap(QPixmap())
            preview.setText("No logo")
            return
        pix = QPixmap()
        pix.loadFromData(self._logo)
        preview.setPixmap(pix.scaled(116, 76, Qt.AspectRatioMode.KeepAspectRatio,
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
