"""Run by test_scaling.py in a fresh process (the scale factor is read when Qt starts):

    python -m tests.gui.scaled_window SCALE DATA_DIR

Opens the main window on a demo school as it would be on a 1366x768 screen at SCALE
(125% -> 1.25), visits every area and every tab of it (tabs within tabs too), and prints
one JSON line: the window's minimum and actual size in logical pixels, every text cut
off without a tooltip and every page that scrolls sideways (tests/gui/clipping.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time


def main(scale: float, data_dir: str) -> dict[str, object]:
    from tests.gui.scaled_kiosk import laptop_screen

    os.environ["QT_QPA_PLATFORM"] = laptop_screen(data_dir)
    os.environ["QT_SCALE_FACTOR"] = str(scale)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

    from attendance_desktop.config.paths import resolve_paths
    from attendance_desktop.services.context import AppContext
    from attendance_desktop.services.database import open_database
    from attendance_desktop.services.demo import demo_service
    from tests.conftest import HEAD
    from tests.gui.clipping import clipped_texts, sideways

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, data_dir)
    app = QApplication([])
    from attendance_desktop.gui import theme

    theme.apply_theme(app, "light")
    paths = resolve_paths(os.path.join(data_dir, "data"), environ={})
    engine = open_database(paths)
    demo_service.create_demo(engine, pupils=60, today=dt.date(2025, 11, 20))
    ctx = AppContext(paths=paths, engine=engine, clock=lambda: dt.datetime(2025, 11, 20, 10))
    ctx.actor = HEAD
    from attendance_desktop.gui.main_window import AREAS, MainWindow

    window = MainWindow(ctx)
    # the screen less a taskbar (40 px) and a title bar (30 px), in logical pixels
    window.resize(int(1366 / scale), int((768 - 70) / scale))
    window.show()

    def settle(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    cut: list[str] = []

    def look(name: str, page: QWidget) -> None:
        # sideways: the page's own scroll area in the window, and any within the page
        cut.extend(f"{name}: {c}" for c in clipped_texts(page) + sideways(window))
        for tabs in page.findChildren(QTabWidget):
            if not tabs.isVisible() or tabs in seen:
                continue
            seen.add(tabs)
            for t in range(tabs.count()):
                if tabs.isTabEnabled(t) and t != tabs.currentIndex():
                    tabs.setCurrentIndex(t)
                    settle(0.3)
                    look(f"{name} / {tabs.tabText(t)}", page)

    for index, area in enumerate(AREAS):
        window.show_area(index)
        settle(1.2)
        seen: set[QTabWidget] = set()
        look(area.label, window.current_page())
    result = {"minimum": [window.minimumSize().width(), window.minimumSize().height()],
              "size": [window.width(), window.height()], "cut": cut}
    window.close()
    engine.dispose()
    return result


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]), sys.argv[2])))
    sys.stdout.flush()
    os._exit(0)  # the background jobs' threads need not be waited for here
