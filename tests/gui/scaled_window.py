"""Run by test_scaling.py in a fresh process (the scale factor is read when Qt starts):

    python -m tests.gui.scaled_window SCALE DATA_DIR [SCREENSHOT_DIR]

(test_scaling.py runs it through tests/gui/scaled_walks.py, with the kiosk's walk in the
same process.) Opens the main window on a demo school as it would be on a 1366x768 screen at SCALE
(125% -> 1.25), visits every area and every tab of it (tabs within tabs too), and prints
one JSON line: the window's minimum and actual size in logical pixels, every text cut
off without a tooltip, every widget pushed out of its parent and every page that scrolls
sideways (tests/gui/clipping.py); then the main dialogs, measured against the screen.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from attendance_desktop.services.context import AppContext


NOW = dt.datetime(2025, 11, 20, 10)


def main(scale: float, data_dir: str, shots: str = "") -> dict[str, object]:
    from tests.gui.scaled_app import on_its_own

    # SCALED_WINDOW_THEME=dark: the pages in the dark palette, to look at
    return on_its_own(walk, scale, data_dir, NOW, shots,
                      os.environ.get("SCALED_WINDOW_THEME", "light"))


def walk(app: QApplication, ctx: AppContext, scale: float,
         shots: str = "") -> dict[str, object]:
    """The walk itself, as the head, on the app and school `start` made."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QTabWidget

    from attendance_desktop.domain.roles import Actor, Role
    from attendance_desktop.gui import serial_worker
    from tests.gui.clipping import clipped_texts, pushed_out, sideways

    ctx.actor = Actor("Test Head", Role.HEAD, staff_id=None)
    from attendance_desktop.gui.main_window import AREAS, MainWindow

    window = MainWindow(ctx)
    # the screen less a taskbar (40 px) and a title bar (30 px), in logical pixels
    window.resize(int(1366 / scale), int((768 - 70) / scale))
    window.show()

    def settle(seconds: float) -> None:
        """Until the page is as the user would see it (at most `seconds`): every read
        runs on the serial worker and every short wait is a single-shot timer, so neither
        for eight rounds of events (a page's layout may take a few to settle) means
        nothing more is coming."""
        end = time.monotonic() + seconds
        quiet = 0
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.002)  # a read's result is handed over within POLL_MS (10 ms)
            quiet = 0 if serial_worker.pending() else quiet + 1
            # A timer started meanwhile is still active at the end (or has fired and
            # queued its read): the widget tree is searched once, not every round.
            if quiet >= 8:
                if not timers_running():
                    return
                quiet = 0

    def timers_running() -> bool:
        """A short wait (a preview's pause after typing, a progress dialog's delay) still
        to run its course."""
        return any(t.isActive() and t.isSingleShot() and t.interval() <= 2000
                   for w in QApplication.topLevelWidgets() for t in w.findChildren(QTimer))

    cut: list[str] = []

    def look(name: str, page: QWidget) -> None:
        if shots:  # for a person to look at
            os.makedirs(shots, exist_ok=True)
            safe = "".join(c if c.isalnum() else "_" for c in name.replace("&", ""))
            window.grab().save(os.path.join(shots, f"window_{scale:g}_{safe}.png"))
        # sideways: the page's own scroll area in the window, and any within the page
        cut.extend(f"{name}: {c}" for c in clipped_texts(page) + sideways(window)
                   + pushed_out(page))
        for tabs in page.findChildren(QTabWidget):
            if not tabs.isVisible() or tabs in seen:
                continue
            seen.add(tabs)
            for t in range(tabs.count()):
                if tabs.isTabEnabled(t) and t != tabs.currentIndex():
                    tabs.setCurrentIndex(t)
                    settle(5)
                    look(f"{name} / {tabs.tabText(t)}", page)

    for index, area in enumerate(AREAS):
        window.show_area(index)
        settle(10)
        seen: set[QTabWidget] = set()
        look(area.label, window.current_page())
    cut += _dialogs(ctx, window, settle, shots, scale)
    result = {"minimum": [window.minimumSize().width(), window.minimumSize().height()],
              "size": [window.width(), window.height()], "cut": cut}
    window.close()
    return result


def _dialogs(ctx: AppContext, window: QWidget, settle: Callable[[float], None],
             shots: str, scale: float) -> list[str]:
    """The main dialogs, each shown on its own and measured against the screen less a
    title bar: leave request, mark amendment, edit conflict, pupil details and contact,
    closure, printing and the amendments report."""
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.gui.leave.request_dialog import RequestDialog
    from attendance_desktop.gui.pupils.pupil_dialogs import ContactDialog, PupilEditDialog
    from attendance_desktop.gui.register.amendments_dialog import AmendmentsDialog
    from attendance_desktop.gui.register.closure_dialog import ClosureDialog
    from attendance_desktop.gui.register.conflict_dialog import ConflictBox
    from attendance_desktop.gui.register.mark_dialog import MarkDialog
    from attendance_desktop.gui.register.print_register_dialog import PrintRegisterDialog
    from attendance_desktop.services.errors import CellConflict
    from attendance_desktop.services.pupils import class_service, pupil_service
    from tests.gui.clipping import overflow

    day = ctx.today()
    pupil = pupil_service.list_pupils(ctx.engine)[0]
    conflict = CellConflict(pupil.id, pupil.name, day, "AM", "", "L", "Office Person",
                            "office", ctx.now())
    makers: dict[str, Callable[[], QWidget]] = {
        "leave request": lambda: RequestDialog(ctx, window),
        "amend a mark": lambda: MarkDialog(
            window, heading=f"{pupil.name}: Thursday 20 November 2025, morning", day=day,
            code="L", minutes_late=12, comment="Traffic on the ring road", need_reason=True),
        "edit conflict": lambda: ConflictBox(window, (conflict, conflict), day,
                                             needs_reason=True, may_amend=True),
        "pupil details": lambda: PupilEditDialog(
            ctx, class_service.list_classes(ctx.engine), pupil.id, window),
        "contact": lambda: ContactDialog(ctx, pupil.id, parent=window),
        "closure": lambda: ClosureDialog(window, ctx, day),
        "print register": lambda: PrintRegisterDialog(window, ctx, None, day),
        "amendments report": lambda: AmendmentsDialog(window, ctx, day, day),
    }
    screen = QApplication.primaryScreen().size()
    found: list[str] = []
    for name, make in makers.items():
        dialog = make()
        dialog.show()
        settle(5)
        if shots:
            file = f"dialog_{scale:g}_{name.replace(' ', '_')}.png"
            dialog.grab().save(os.path.join(shots, file))
        found += [f"dialog {name}: {p}" for p in overflow(dialog, screen.width(),
                                                           screen.height() - 30)]
        dialog.close()
        dialog.deleteLater()
    return found


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]), sys.argv[2], *sys.argv[3:4])))
    sys.stdout.flush()
    os._exit(0)  # the background jobs' threads need not be waited for here
