"""Run by test_scaling.py in a fresh process (the scale factor is read when Qt starts):

    python -m tests.gui.scaled_kiosk SCALE DATA_DIR [SCREENSHOT_DIR]

(test_scaling.py runs it through tests/gui/scaled_walks.py, after the main window's walk
in the same process.)

Opens the sign-in kiosk on a demo school full screen on a 1366x768 screen at SCALE
(150% -> 1.5: 911x512 logical pixels), goes through every screen a pupil sees (start,
find with every class, find with letters, reason, adult, confirm, done) and the staff
PIN dialog, and prints one JSON line: for each screen, what does not fit (tests/gui/
clipping.py: overflow, cut text). With SCREENSHOT_DIR each screen is saved there as PNG.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.services.context import AppContext

NOW = dt.datetime(2025, 11, 20, 9, 20)  # registration has closed: late sign-ins


def main(scale: float, data_dir: str, shots: str = "") -> dict[str, object]:
    from tests.gui.scaled_app import on_its_own

    return on_its_own(walk, scale, data_dir, NOW, shots)


def walk(app: QApplication, ctx: AppContext, scale: float,
         shots: str = "") -> dict[str, object]:
    """The walk itself, on the app and school `start` made (the context's clock at NOW)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QAbstractButton, QLineEdit, QWidget

    from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow
    from attendance_desktop.gui.kiosk.pin_dialog import ExitPinDialog
    from tests.gui.clipping import overflow

    screen = app.primaryScreen()
    screen_size = screen.size()  # logical pixels: 1366x768 / scale (the offscreen screen)
    kiosk = KioskWindow(ctx)
    kiosk.showFullScreen()
    problems: dict[str, list[str]] = {}
    finger = 44  # logical px: 55-66 screen pixels at 125-150%, above a finger's ~40

    def settle() -> None:
        for _ in range(5):
            app.processEvents()
            # what deleteLater left: the event loop would delete it before the next paint
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def check(name: str, widget: QWidget) -> None:
        settle()
        # a dialog has a title bar above it (none offscreen): ~30 px at these scales
        room = screen_size.height() - (30 if widget is not kiosk else 0)
        problems[name] = overflow(widget, screen_size.width(), room)
        problems[name] += [
            f"{type(c).__name__} {c.accessibleName()!r} is {c.height()} px high, under"
            f" {finger} px: too small a target for a finger"
            for c in widget.findChildren(QAbstractButton) + widget.findChildren(QLineEdit)
            if c.isVisible() and c.height() < finger]
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            widget.grab().save(str(Path(shots) / f"kiosk_{scale:g}_{name}.png"))

    check("start", kiosk)
    kiosk.begin("in")
    check("find", kiosk)
    classes = [b for b in kiosk.class_group.buttons() if kiosk.class_group.id(b) != -1]
    if classes:
        classes[-1].click()
        check("find_class", kiosk)
    kiosk.begin("in", "a")
    check("find_letter", kiosk)
    kiosk.choose(kiosk.tiles[0].pupil)
    check("reason", kiosk)
    kiosk.choose_reason(kiosk.reason_buttons[-1].property("reason"))
    check("adult", kiosk)
    kiosk.choose_adult("Grandparent")
    check("confirm", kiosk)
    kiosk._show_done("Thank you! You are signed in. Please go to your class now.",
                     kiosk.pupil)
    check("done", kiosk)
    kiosk.begin("out")
    kiosk.choose(kiosk.tiles[-1].pupil)
    check("reason_out", kiosk)
    kiosk.reset()
    assert kiosk.guard is not None  # the staff PIN guard (a kiosk with staff set up)
    dialog = ExitPinDialog(kiosk.guard, ctx.now, kiosk)
    dialog.show()
    dialog.message.setText("That PIN was not accepted. Wait 30 seconds before trying again.")
    check("pin", dialog)
    dialog.reject()
    result: dict[str, object] = {"screen": [screen_size.width(), screen_size.height()],
              "window": [kiosk.width(), kiosk.height()],
              "problems": {k: v for k, v in problems.items() if v}}
    kiosk.unlocked_by = "probe"  # type: ignore[assignment]  # closes without a PIN
    kiosk.close()
    return result


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]), sys.argv[2], *sys.argv[3:4])))
    sys.stdout.flush()
    os._exit(0)  # the background jobs' threads need not be waited for here
