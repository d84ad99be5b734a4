"""A settings page's read on the serial worker (gui/background_load.py).

While the read runs the page is disabled, so nothing on it can be edited or saved before
the form holds what is stored (a Save pressed on a half-filled form would write the
blanks back); its message line says "Loading…". When the read comes, `show(result)` fills
the page and it is enabled again. A read that fails leaves the page disabled with one
plain line. Only the first read says "Loading…": a read after a save keeps the
message the save left. A second request while one runs is done once it ends and only the newest
result is shown (BackgroundLoad).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QWidget

from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.common import MessageLabel
from attendance_desktop.services.errors import ServiceError

log = logging.getLogger(__name__)

LOADING_TEXT = "Loading…"


class PageLoad(BackgroundLoad):
    def __init__(self, page: QWidget, work: Callable[[], Any], show: Callable[[Any], None],
                 message: MessageLabel, what: str) -> None:
        super().__init__(page, work)
        self.page = page
        self.show = show
        self.message = message
        self.what = what  # "the policy", for the failure line
        self.broken = False  # the last read failed: its line goes when one succeeds
        self.loaded.connect(self._show)
        self.failed.connect(self.show_failure)

    @Slot()
    def request(self) -> None:
        self.page.setEnabled(False)
        if self.loads == 0 or self.broken:  # a later read keeps a save's "Saved …"
            self.message.show_warning(LOADING_TEXT)
        super().request()

    @Slot()
    def _show(self) -> None:
        if self.message.text() == LOADING_TEXT or self.broken:
            self.message.clear_message()
        self.broken = False
        self.show(self.result)
        self.page.setEnabled(True)

    @Slot()
    def show_failure(self) -> None:
        exc = self.error
        self.broken = True
        if isinstance(exc, ServiceError):
            text = str(exc)
        else:
            log.error("Settings: %s could not be read", self.what, exc_info=exc)
            text = "see the log"
        self.message.show_error(f"{self.what[:1].upper()}{self.what[1:]} could not be read:"
                                f" {text.rstrip('.')}.")
