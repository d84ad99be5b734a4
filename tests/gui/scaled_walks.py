"""Run by test_scaling.py in a fresh process for each scale (Qt reads the scale factor
when it starts):

    python -m tests.gui.scaled_walks SCALE DATA_DIR DEMO_FILE [SCREENSHOT_DIR]

Both walks on one app and one copy of the demo school DEMO_FILE: the main window's
(tests/gui/scaled_window.py) and then the kiosk's (tests/gui/scaled_kiosk.py), each at
its own time of day. Prints one JSON line: {"window": ..., "kiosk": ...}, each walk's
result. One process instead of one per walk: starting Qt, importing the app and opening
the school is about half of a walk's CPU.
"""

from __future__ import annotations

import json
import os
import sys


def main(scale: float, data_dir: str, demo_file: str, shots: str = "") -> dict[str, object]:
    from attendance_desktop.services.context import AppContext
    from tests.gui import scaled_kiosk, scaled_window
    from tests.gui.scaled_app import start

    app, ctx = start(scale, data_dir, scaled_window.NOW, demo_file=demo_file)
    try:
        window = scaled_window.walk(app, ctx, scale, shots)
        kiosk_ctx = AppContext(paths=ctx.paths, engine=ctx.engine,
                               clock=lambda: scaled_kiosk.NOW)
        kiosk = scaled_kiosk.walk(app, kiosk_ctx, scale, shots)
    finally:
        ctx.engine.dispose()
    return {"window": window, "kiosk": kiosk}


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]), sys.argv[2], sys.argv[3], *sys.argv[4:5])))
    sys.stdout.flush()
    os._exit(0)  # the background jobs' threads need not be waited for here
