"""A kiosk sign-in while another program holds the register's write lock (a big import on
the office PC): the kiosk keeps answering, says it is saving after a moment, and signs the
pupil in once the lock is free."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

from attendance_desktop.gui.kiosk import kiosk_saver
from tests.gui.conftest import save_screenshot
from tests.gui.test_kiosk import clock, mark_of, open_kiosk, school  # noqa: F401
from tests.services.test_import_lock_wait import Holder


def test_a_sign_in_during_a_long_lock_says_saving_and_succeeds(  # type: ignore[no-untyped-def]
        qtbot, engine, paths, school, clock, monkeypatch):  # noqa: F811
    monkeypatch.setattr(kiosk_saver, "SLOW_MS", 300)
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    qtbot.mouseClick(kiosk.start_in, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(kiosk.search, "ava")
    qtbot.keyClick(kiosk.search, Qt.Key.Key_Return)
    qtbot.mouseClick(kiosk.reason_buttons[0], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(kiosk.adult_buttons[0], Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() == "confirm"

    holder = Holder(paths.sqlite_file)
    seen: dict[str, object] = {}

    def meanwhile() -> None:  # runs only if the kiosk's event loop is still turning
        seen["saving shown"] = kiosk.saving_label.isVisible()
        seen["confirm"] = (kiosk.confirm_button.isEnabled(), kiosk.confirm_button.text())
        kiosk.go_back()  # Back and Escape do nothing while it saves
        qtbot.keyClick(kiosk, Qt.Key.Key_Escape)
        seen["screen"] = kiosk.current_screen()
        save_screenshot(kiosk, "kiosk_saving_please_wait")

    QTimer.singleShot(700, meanwhile)
    QTimer.singleShot(1500, holder.release)
    try:
        qtbot.mouseClick(kiosk.confirm_button, Qt.MouseButton.LeftButton)
    finally:
        if holder.proc.poll() is None:
            holder.release()
    assert seen == {"saving shown": True, "confirm": (False, "Saving…"),
                    "screen": "confirm"}
    assert kiosk.current_screen() == "done"
    assert "Thank you, Ava" in kiosk.done_text.text()
    assert not kiosk.saving_label.isVisible()
    assert kiosk.confirm_button.text() == "Yes, that's right"
    assert kiosk.result is not None
    assert kiosk.result.outcome == "signed_in"
    assert mark_of(engine, school["Ava"]).code == "L"
