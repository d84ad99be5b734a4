"""Settings > Session times: the form (gui/settings/session_times_form.py) and its Save
button (ui/settings/session_times_page.ui)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QWidget

from attendance_desktop.domain.policy import PolicyError
from attendance_desktop.gui.generated.settings.ui_session_times_page import Ui_SessionTimesPage
from attendance_desktop.gui.settings.page_load import PageLoad
from attendance_desktop.gui.settings.session_times_form import SessionTimesForm
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import policy_service

__all__ = ["SessionTimesForm", "SessionTimesPage"]


class SessionTimesPage(QWidget):
    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.ui = Ui_SessionTimesPage()
        self.ui.setupUi(self)
        self.save_button = self.ui.save_button
        self.form = self.ui.form
        self.result = self.ui.sessionSaved
        self.save_button.setEnabled(ctx.actor.can_edit_settings)
        self.save_button.clicked.connect(self._save)
        self.loader = PageLoad(self, partial(policy_service.load_policy, ctx.engine),
                               self.form.load, self.result, "the session times")
        self.loader.request()

    @Slot()
    def _save(self) -> None:
        try:
            new = self.form.apply_to(policy_service.load_policy(self.ctx.engine))
            changed = policy_service.save_policy(self.ctx.engine, self.ctx.actor, new)
        except (PolicyError, ServiceError) as exc:
            self.result.show_error(f"Not saved: {exc}")
            return
        self.result.show_ok("Saved; the change is recorded." if changed else
                            "No changes to save.")
        self.saved.emit()
