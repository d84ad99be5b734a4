"""Settings > Policy: the policy editor (gui/settings/policy_editor.py) and its Save button
(ui/settings/policy_page.ui); each changed key is recorded by the service."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QWidget

from attendance_desktop.domain.policy import PolicyError
from attendance_desktop.gui.generated.settings.ui_policy_page import Ui_PolicySettingsPage
from attendance_desktop.gui.settings.page_load import PageLoad
from attendance_desktop.gui.settings.policy_editor import GROUPS, PolicyEditor
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import policy_service

__all__ = ["GROUPS", "PolicyEditor", "PolicySettingsPage"]


class PolicySettingsPage(QWidget):
    """Settings > Policy: edit and save; each changed key is recorded by the service."""

    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.ui = Ui_PolicySettingsPage()
        self.ui.setupUi(self)
        self.save_button = self.ui.save_button
        self.editor, self.result = self.ui.editor, self.ui.policySaved
        self.save_button.setEnabled(ctx.actor.can_edit_settings)
        self.save_button.clicked.connect(self._save)
        # read on the serial worker; the page (and Save) stays disabled until it has come
        self.loader = PageLoad(self, partial(policy_service.load_policy, ctx.engine),
                               self.editor.load, self.result, "the policy")
        self.loader.request()

    @Slot()
    def _save(self) -> None:
        try:
            # session times are edited on their own screen: keep the stored ones
            stored = policy_service.load_policy(self.ctx.engine)
            self.editor.set_base(stored)
            new = self.editor.policy()
            changed = policy_service.save_policy(self.ctx.engine, self.ctx.actor, new)
        except (PolicyError, ServiceError) as exc:
            self.result.show_error(f"Not saved: {exc}")
            return
        if changed:
            self.result.show_ok(f"Saved {len(changed)} change(s); each is recorded in the"
                                " change log.")
        else:
            self.result.show_ok("No changes to save.")
        self.saved.emit()

