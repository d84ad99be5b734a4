"""Settings > School: the school details form and its Save button
(ui/settings/school_page.ui; the form itself is gui/settings/school_form.py)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QWidget

from attendance_desktop.gui.generated.settings.ui_school_page import Ui_SchoolSettingsPage
from attendance_desktop.gui.settings.page_load import PageLoad
from attendance_desktop.gui.settings.school_form import LOGO_MAX_SIDE, SchoolDetailsForm
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.school import school_service

__all__ = ["LOGO_MAX_SIDE", "SchoolDetailsForm", "SchoolSettingsPage"]


class SchoolSettingsPage(QWidget):
    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.ui = Ui_SchoolSettingsPage()
        self.ui.setupUi(self)
        self.save_button = self.ui.save_button
        self.form = self.ui.form
        self.save_button.clicked.connect(self._save)
        self.save_button.setEnabled(ctx.actor.can_edit_settings)
        self.loader = PageLoad(self, partial(school_service.get_school, ctx.engine),
                               lambda school: self.form.load(school.details),
                               self.form.message, "the school's details")
        self.loader.request()

    @Slot()
    def _save(self) -> None:
        if self.form.save(self.ctx):
            self.saved.emit()
