"""The kiosk as a pupil and a member of staff use it: touch, keyboard, PIN exit, idle reset."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import KioskEvent, Mark, MarkAmendment, Pupil, SchoolClass, Staff
from attendance_desktop.domain.policy import Policy
from attendance_desktop.gui.kiosk.kiosk_window import KioskWindow
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.school import auth_service, policy_service
from tests.conftest import HEAD, OFFICE, clock_at, put_mark
from tests.gui.conftest import save_screenshot
from tests.gui.conftest import save_screenshot as shoot

THU = dt.date(2025, 11, 20)


class Clock:
    def __init__(self, hh: int, mm: int) -> None:
        self.now = dt.datetime.combine(THU, dt.time(hh, mm))

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, hh: int, mm: int) -> None:
        self.now = dt.datetime.combine(THU, dt.time(hh, mm))


@pytest.fixture
def school(engine, school_year):  # type: ignore[no-untyped-def]
    """Two classes of synthetic pupils and two staff PINs (office 2345, read-only 4567)."""
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        for order, (cls, names) in enumerate((
                ("Oak", [("Ava", "Brook"), ("Ben", "Carter"), ("Bella", "Stone")]),
                ("Willow", [("Cara", "Dale"), ("Dev", "Patel"), ("Evie", "Shaw")]))):
            c = SchoolClass(name=cls, sort_order=order)
            s.add(c)
            s.flush()
            for fore, sur in names:
                p = Pupil(legal_forename=fore, legal_surname=sur, dob=dt.date(2017, 3, 1),
                          year_group="3", class_id=c.id, admission_date=dt.date(2021, 9, 1))
                s.add(p)
                s.flush()
                ids[fore] = p.id
        s.add(Staff(name="Office Person", role="office", pin_hash=auth_service.hash_pin("2345")))
        s.add(Staff(name="Viewer", role="readonly", pin_hash=auth_service.hash_pin("4567")))
    return ids


@pytest.fixture
def clock() -> Clock:
    return Clock(9, 10)


def open_kiosk(qtbot, engine, paths, clock: Clock, size=(1366, 768)) -> KioskWindow:  # type: ignore[no-untyped-def]
    kiosk = KioskWindow(AppContext(paths=paths, engine=engine, clock=clock))
    # Teardown closes widgets: let it close without asking for a PIN.
    qtbot.addWidget(kiosk, before_close_func=lambda w: setattr(w, "unlocked_by", "teardown"))
    kiosk.resize(*size)
    kiosk.show()
    qtbot.waitExposed(kiosk)
    return kiosk


def checked(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    """The PIN is checked on a worker thread: wait for its answer."""
    qtbot.waitUntil(lambda: not dialog.checking, timeout=10_000)


def mark_of(engine, pupil_id: int, session: str = "AM") -> Mark | None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return s.exec(select(Mark).where(Mark.pupil_id == pupil_id, Mark.date == THU,
                                         Mark.session == session)).first()


def tile_names(kiosk: KioskWindow) -> list[str]:
    return [t.pupil.name for t in kiosk.tiles]


def sign_in_as(qtbot, kiosk: KioskWindow, letters: str, reason_index: int = 0,  # type: ignore[no-untyped-def]
               adult_index: int = 0) -> None:
    qtbot.mouseClick(kiosk.start_in, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(kiosk.search, letters)
    assert len(kiosk.tiles) == 1, tile_names(kiosk)
    qtbot.keyClick(kiosk.search, Qt.Key.Key_Return)  # Enter picks the only match
    assert kiosk.current_screen() == "reason"
    qtbot.mouseClick(kiosk.reason_buttons[reason_index], Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() == "adult"
    qtbot.mouseClick(kiosk.adult_buttons[adult_index], Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() == "confirm"
    qtbot.mouseClick(kiosk.confirm_button, Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() == "done"


def test_sign_in_before_the_register_closes_marks_l(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    sign_in_as(qtbot, kiosk, "ava")
    assert "Thank you, Ava" in kiosk.done_text.text()
    assert "09:10" in kiosk.done_text.text()
    m = mark_of(engine, school["Ava"])
    assert (m.code, m.minutes_late, m.source) == ("L", 10, "kiosk")
    with session_scope(engine) as s:
        e = s.exec(select(KioskEvent)).one()
    assert (e.kind, e.reason, e.accompanied_by) == (
        "late_in", "Overslept / traffic / other", "Parent or carer")
    qtbot.mouseClick(kiosk.done_button, Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() == "start"


def test_sign_in_after_the_register_closes_marks_u_and_replaces_n(qtbot, engine, paths,  # type: ignore[no-untyped-def]
                                                                  school, clock):
    with session_scope(engine) as s:
        put_mark(s.get_bind(), OFFICE, school["Dev"], THU, "AM", "N")
    clock.set(9, 42)
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    sign_in_as(qtbot, kiosk, "dev")
    assert mark_of(engine, school["Dev"]).code == "U"
    with session_scope(engine) as s:
        a = s.exec(select(MarkAmendment)).one()
    assert (a.old_code, a.new_code, a.staff_name) == ("N", "U", "Kiosk sign-in")
    assert a.reason == "Signed in at the kiosk at 09:42"


def test_reason_is_mapped_to_its_code(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    medical = [b.text() for b in kiosk.reason_buttons]  # not filled until a pupil is chosen
    assert medical == []
    sign_in_as(qtbot, kiosk, "cara", reason_index=2)  # "Medical or dental appointment"
    assert mark_of(engine, school["Cara"]).code == "M"


def test_repeat_sign_in_gets_a_friendly_message(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    sign_in_as(qtbot, kiosk, "ava")
    kiosk.reset()
    clock.set(9, 30)
    sign_in_as(qtbot, kiosk, "ava", reason_index=2)
    assert "already signed in" in kiosk.done_text.text()
    assert mark_of(engine, school["Ava"]).code == "L"  # not overwritten by the second visit


def test_afternoon_sign_in(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    clock.set(13, 20)
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    sign_in_as(qtbot, kiosk, "evie")
    m = mark_of(engine, school["Evie"], "PM")
    assert (m.code, m.minutes_late) == ("L", 5)


def test_find_by_class_then_name_and_typing_on_the_start_screen(qtbot, engine, paths, school,  # type: ignore[no-untyped-def]
                                                                clock):
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    qtbot.keyClicks(kiosk, "b")  # typing on the start screen starts a sign-in
    assert kiosk.current_screen() == "find"
    assert tile_names(kiosk) == ["Ava Brook", "Bella Stone", "Ben Carter"]
    qtbot.mouseClick(kiosk.pad.keys["E"], Qt.MouseButton.LeftButton)
    assert tile_names(kiosk) == ["Bella Stone", "Ben Carter"]
    kiosk.search.clear()
    willow = next(b for b in kiosk.class_group.buttons() if b.text() == "Willow")
    qtbot.mouseClick(willow, Qt.MouseButton.LeftButton)
    assert tile_names(kiosk) == ["Cara Dale", "Dev Patel", "Evie Shaw"]
    qtbot.mouseClick(kiosk.tiles[1], Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() == "reason"
    assert kiosk.reason_title.text() == "Hello Dev! Why are you late today?"
    qtbot.keyClick(kiosk, Qt.Key.Key_Escape)  # Esc is "back"
    assert kiosk.current_screen() == "find"
    for tile in kiosk.tiles:
        assert tile.accessibleName() == f"Choose {tile.pupil.name}"
        assert tile.height() >= 64


def test_sign_out_and_back(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        put_mark(s.get_bind(), OFFICE, school["Ben"], THU, "AM", "/")
    clock.set(10, 30)
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    qtbot.mouseClick(kiosk.start_out, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(kiosk.search, "ben")
    qtbot.keyClick(kiosk.search, Qt.Key.Key_Return)
    out_reason = next(b for b in kiosk.reason_buttons if b.text() == "Feeling unwell")
    qtbot.mouseClick(out_reason, Qt.MouseButton.LeftButton)
    assert kiosk.adult_title.text() == "Who is collecting you?"
    assert not kiosk.adult_skip.isVisible()  # leaving needs a named adult
    qtbot.keyClicks(kiosk.adult_name, "Mrs Carter")
    qtbot.keyClick(kiosk.adult_name, Qt.Key.Key_Return)
    assert "Collected by: <b>Mrs Carter</b>" in kiosk.confirm_text.text()
    qtbot.keyClick(kiosk, Qt.Key.Key_Return)  # Enter confirms
    assert "signed out at 10:30" in kiosk.done_text.text()

    kiosk.reset()
    clock.set(11, 45)
    qtbot.mouseClick(kiosk.start_back, Qt.MouseButton.LeftButton)
    assert tile_names(kiosk) == ["Ben Carter"]  # only pupils who are out
    qtbot.mouseClick(kiosk.tiles[0], Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() == "confirm"
    qtbot.mouseClick(kiosk.confirm_button, Qt.MouseButton.LeftButton)
    assert "Welcome back, Ben" in kiosk.done_text.text()
    with session_scope(engine) as s:
        kinds = [(e.kind, e.reason, e.accompanied_by) for e in s.exec(select(KioskEvent))]
    assert kinds == [("out", "Feeling unwell", "Mrs Carter"), ("back", "Returned", "")]
    assert mark_of(engine, school["Ben"]).code == "/"


def test_exit_needs_a_staff_pin(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    kiosk.close()  # the window's close button / Alt+F4
    assert kiosk.isVisible()
    dialog = kiosk.pin_dialog
    assert dialog is not None
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.pin, "9999")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    checked(qtbot, dialog)
    assert "not accepted" in dialog.message.text()
    assert kiosk.isVisible()
    qtbot.keyClicks(dialog.pin, "4567")  # read-only staff cannot close the kiosk
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    checked(qtbot, dialog)
    assert kiosk.isVisible()
    qtbot.keyClicks(dialog.pin, "1111")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    checked(qtbot, dialog)
    assert "Wait 11 seconds" in dialog.message.text()  # three wrong: the kiosk slows down
    qtbot.keyClicks(dialog.pin, "2345")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    checked(qtbot, dialog)
    assert "try again in 11 seconds" in dialog.message.text()  # even the right PIN waits
    assert kiosk.isVisible()

    clock.now += dt.timedelta(seconds=12)  # the wait has passed (the app's clock moves on)
    with qtbot.waitSignal(kiosk.kioskClosed, timeout=5000):
        for digit in "2345":
            qtbot.mouseClick(next(b for b in dialog.findChildren(type(dialog.unlock_button))
                                  if b.text() == digit), Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    assert not kiosk.isVisible()
    assert kiosk.unlocked_by.name == "Office Person"


def test_escape_on_the_start_screen_asks_for_the_pin(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    qtbot.keyClick(kiosk, Qt.Key.Key_Escape)
    assert kiosk.pin_dialog is not None
    qtbot.mouseClick(kiosk.pin_dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert kiosk.pin_dialog is None
    assert kiosk.isVisible()


def test_idle_kiosk_returns_to_the_start_screen(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    policy_service.save_policy(engine, HEAD, Policy().replace(kiosk_idle_seconds=1))
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    qtbot.mouseClick(kiosk.start_in, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(kiosk.search, "ava")
    qtbot.keyClick(kiosk.search, Qt.Key.Key_Return)
    assert kiosk.current_screen() == "reason"
    qtbot.waitUntil(lambda: kiosk.current_screen() == "start", timeout=5000)
    assert kiosk.search.text() == ""
    assert kiosk.pupil is None
    assert mark_of(engine, school["Ava"]) is None


def test_main_window_opens_the_kiosk_and_a_pin_returns_to_it(qtbot, ctx, school, monkeypatch):  # type: ignore[no-untyped-def]
    from attendance_desktop.gui.kiosk.office_widget import KioskOfficeWidget
    from attendance_desktop.gui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_area(window.area_index("Kiosk"))
    page = window.current_page()
    assert isinstance(page, KioskOfficeWidget)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    kiosk = window.kiosk
    assert kiosk.isFullScreen()
    assert not window.isVisible()  # pupils cannot switch to the staff window
    kiosk.request_exit()
    qtbot.keyClicks(kiosk.pin_dialog.pin, "2345")
    with qtbot.waitSignal(kiosk.kioskClosed, timeout=5000):
        qtbot.keyClick(kiosk.pin_dialog.pin, Qt.Key.Key_Return)
    assert window.isVisible()
    assert window.kiosk is None


def test_fire_roll_is_one_click_from_any_page(qtbot, ctx, school, monkeypatch):  # type: ignore[no-untyped-def]
    from attendance_desktop.gui.kiosk.office_widget import FireRollButton
    from attendance_desktop.gui.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    [button] = window.statusBar().findChildren(FireRollButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    made = list((ctx.paths.letters_dir / "reports").glob("fire-roll-*.pdf"))
    assert [p.name for p in made] == ["fire-roll-2025-11-20-100000.pdf"]


def test_office_page_shows_late_log_on_site_and_makes_a_fire_roll(qtbot, ctx, school,  # type: ignore[no-untyped-def]
                                                                  monkeypatch):
    from pypdf import PdfReader

    from attendance_desktop.gui.kiosk.office_widget import KioskOfficeWidget
    from attendance_desktop.gui.serial_worker import wait_idle
    from attendance_desktop.services.kiosk import kiosk_service

    with session_scope(ctx.engine) as s:
        put_mark(s.get_bind(), OFFICE, school["Ava"], THU, "AM", "/")
    clock_at(ctx.engine, dt.datetime(2025, 11, 20, 9, 40))
    kiosk_service.sign_in(ctx.engine, school["Cara"], "Medical or dental appointment", "Dad")
    asked: list[str] = []
    opened: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    monkeypatch.setattr("attendance_desktop.gui.kiosk.office_widget.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()))
    page = KioskOfficeWidget(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    assert wait_idle(10)  # who is on site is read on the serial worker
    assert page.on_site_table.rowCount() == 2
    assert page.log_table.rowCount() == 1
    row = [page.log_table.item(0, c).text() for c in range(page.log_table.columnCount())]
    assert row == ["20/11/2025", "09:40", "Cara Dale", "Willow", "40",
                   "Medical or dental appointment", "M", "Dad"]
    assert [page.on_site_table.item(r, 0).text() for r in range(2)] == [
        "Ava Brook", "Cara Dale"]  # class order (Oak, Willow), then name
    save_screenshot(page, "kiosk_office_page")
    page.tabs.setCurrentIndex(1)
    save_screenshot(page, "kiosk_office_late_log")
    page.class_combo.setCurrentIndex(page.class_combo.findText("Oak"))
    assert page.log_table.rowCount() == 0
    qtbot.mouseClick(page.fire_button, Qt.MouseButton.LeftButton)
    roll = page.last_fire_roll
    assert roll is not None
    assert roll.path.parent == ctx.paths.letters_dir / "reports"
    assert opened == [str(roll.path)]
    assert "2 on site" in asked[0]
    text = "".join(p.extract_text() for p in PdfReader(roll.path).pages)
    assert "Ava Brook" in text
    assert "Cara Dale" in text


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_screenshots_of_every_kiosk_screen(qtbot, engine, paths, school, clock, size):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        s.add(Pupil(legal_forename="Amelia-Rose", legal_surname="Fotheringham-Whitley",
                    dob=dt.date(2016, 1, 1), year_group="4", admission_date=dt.date(2020, 9, 1),
                    class_id=1))
        s.add(Pupil(legal_forename="Amir", legal_surname="Khan", dob=dt.date(2016, 1, 1),
                    year_group="4", admission_date=dt.date(2020, 9, 1), class_id=2,
                    photo_png=_synthetic_photo()))
    kiosk = open_kiosk(qtbot, engine, paths, clock, size)
    tag = f"{size[0]}x{size[1]}"

    def save_screenshot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        qtbot.wait(30)  # let queued layout and paint events run, as on a real screen
        shoot(widget, name)

    save_screenshot(kiosk, f"kiosk_1_start_{tag}")
    qtbot.mouseClick(kiosk.start_in, Qt.MouseButton.LeftButton)
    save_screenshot(kiosk, f"kiosk_2_find_{tag}")
    qtbot.keyClicks(kiosk.search, "amel")
    save_screenshot(kiosk, f"kiosk_3_find_letters_{tag}")
    qtbot.keyClick(kiosk.search, Qt.Key.Key_Return)
    save_screenshot(kiosk, f"kiosk_4_reason_{tag}")
    qtbot.mouseClick(kiosk.reason_buttons[2], Qt.MouseButton.LeftButton)
    save_screenshot(kiosk, f"kiosk_5_adult_{tag}")
    qtbot.mouseClick(kiosk.adult_buttons[1], Qt.MouseButton.LeftButton)
    save_screenshot(kiosk, f"kiosk_6_confirm_{tag}")
    qtbot.mouseClick(kiosk.confirm_button, Qt.MouseButton.LeftButton)
    save_screenshot(kiosk, f"kiosk_7_done_{tag}")
    kiosk.request_exit()
    save_screenshot(kiosk.pin_dialog, f"kiosk_8_pin_{tag}")
    kiosk.pin_dialog.reject()
    kiosk.begin("in", "amir")  # a pupil with a photo
    assert len(kiosk.tiles) == 1
    save_screenshot(kiosk, f"kiosk_9_photo_{tag}")
    for screen in (kiosk.start_in, kiosk.confirm_button, kiosk.done_button):
        assert screen.minimumHeight() >= 64


def test_closed_afternoon_is_said_before_choosing_a_name(qtbot, engine, paths, school, clock):  # type: ignore[no-untyped-def]
    from attendance_desktop.services.school import calendar_service

    calendar_service.add_closure(engine, HEAD, THU, "PM", "planned", "#", "Staff training")
    clock.set(13, 30)
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    qtbot.mouseClick(kiosk.start_in, Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() == "done"
    assert "closed this afternoon" in kiosk.done_text.text()
    with session_scope(engine) as s:
        assert s.exec(select(KioskEvent)).first() is None


def test_kiosk_command_quits_rather_than_showing_the_main_window(qtbot, ctx, school):  # type: ignore[no-untyped-def]
    from attendance_desktop.gui.main_window import MainWindow

    window = MainWindow(ctx)  # as `attendance-desktop kiosk` does: never shown
    qtbot.addWidget(window)
    window.open_kiosk()
    kiosk = window.kiosk
    assert kiosk.isFullScreen()
    kiosk.request_exit()
    qtbot.keyClicks(kiosk.pin_dialog.pin, "2345")
    with qtbot.waitSignal(kiosk.kioskClosed, timeout=5000):
        qtbot.keyClick(kiosk.pin_dialog.pin, Qt.Key.Key_Return)
    assert not window.isVisible()  # the last window closed: Qt quits the program


def _synthetic_photo() -> bytes:
    """A drawn stand-in for a school photo (no real person)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(240, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("#9cc3e6"))
    painter = QPainter(image)
    painter.setBrush(QColor("#e0b48f"))
    painter.drawEllipse(70, 60, 100, 120)
    painter.setBrush(QColor("#2d5c8a"))
    painter.drawRect(40, 200, 160, 100)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def test_a_new_install_without_staff_pins_can_still_close_the_kiosk(qtbot, engine, paths,  # type: ignore[no-untyped-def]
                                                                    clock):
    kiosk = open_kiosk(qtbot, engine, paths, clock)
    with qtbot.waitSignal(kiosk.kioskClosed, timeout=5000):
        kiosk.close()
    assert kiosk.pin_dialog is None


def test_every_control_has_an_accessible_name_and_a_finger_sized_target(qtbot, engine, paths,  # type: ignore[no-untyped-def]
                                                                        school, clock):
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    kiosk = open_kiosk(qtbot, engine, paths, clock)
    kiosk.begin("in")
    kiosk.choose(kiosk.tiles[0].pupil)
    kiosk.request_exit()
    qtbot.wait(20)
    for root in (kiosk, kiosk.pin_dialog):
        for control in root.findChildren(QAbstractButton) + root.findChildren(QLineEdit):
            assert control.accessibleName(), control.text()
            if control.isVisible():
                assert control.height() >= 64, (control.text(), control.height())


class Gate:
    """Holds the kiosk's PIN check on its (worker) thread until the test lets it go."""

    def __init__(self, guard, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        import threading

        self.opened = threading.Event()
        self.threads: list[object] = []
        real = guard.check

        def check(pin: str):  # type: ignore[no-untyped-def]
            self.threads.append(threading.current_thread())
            assert self.opened.wait(10)
            return real(pin)

        monkeypatch.setattr(guard, "check", check)


def test_the_pin_is_checked_off_the_gui_thread_and_the_kiosk_keeps_answering(  # type: ignore[no-untyped-def]
        qtbot, engine, paths, school, clock, monkeypatch):
    import threading

    from PySide6.QtCore import QTimer

    kiosk = open_kiosk(qtbot, engine, paths, clock)
    gate = Gate(kiosk.guard, monkeypatch)
    kiosk.request_exit()
    dialog = kiosk.pin_dialog
    qtbot.keyClicks(dialog.pin, "2345")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.checking
    assert dialog.message.text() == "Checking…"
    assert not dialog.unlock_button.isEnabled()
    # The check is stuck on its thread, yet the GUI thread runs timers and takes keys.
    ticks: list[int] = []
    QTimer.singleShot(50, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1], timeout=2000)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # a second Enter while checking is ignored
    qtbot.keyClicks(dialog.pin, "12")
    assert dialog.pin.text() == "12"
    assert gate.threads
    assert gate.threads[0] is not threading.main_thread()
    assert len(gate.threads) == 1
    with qtbot.waitSignal(kiosk.kioskClosed, timeout=10_000):
        gate.opened.set()
    assert kiosk.unlocked_by.name == "Office Person"


def test_cancel_while_the_pin_is_checked_keeps_the_kiosk_open(qtbot, engine, paths, school,  # type: ignore[no-untyped-def]
                                                              clock, monkeypatch):
    from attendance_desktop.gui.workers import JobSignals

    kiosk = open_kiosk(qtbot, engine, paths, clock)
    gate = Gate(kiosk.guard, monkeypatch)
    kiosk.request_exit()
    dialog = kiosk.pin_dialog
    qtbot.keyClicks(dialog.pin, "2345")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    job: JobSignals = dialog._job
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert kiosk.pin_dialog is None
    with qtbot.waitSignal(job.ended, timeout=10_000):
        gate.opened.set()
    qtbot.wait(100)
    assert kiosk.isVisible()
    assert kiosk.unlocked_by is None


def test_the_idle_lock_never_covers_the_kiosk_and_leaving_it_signs_in_as_that_person(  # type: ignore[no-untyped-def]
        qtbot, ctx, school):
    from PySide6.QtWidgets import QApplication

    from attendance_desktop.domain.roles import Actor, Role
    from attendance_desktop.gui.idle_lock import WindowLock
    from attendance_desktop.gui.login_dialog import LoginDialog
    from attendance_desktop.gui.main_window import MainWindow

    with session_scope(ctx.engine) as s:
        viewer = s.exec(select(Staff).where(Staff.name == "Viewer")).one()
        ctx.actor = Actor("Viewer", Role.READONLY, staff_id=viewer.id)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    lock = WindowLock(window, ctx, 1, interval_ms=150)
    window.show()
    window.open_kiosk()
    kiosk = window.kiosk
    qtbot.waitExposed(kiosk)
    qtbot.wait(700)  # several idle periods with nobody touching the kiosk
    assert lock.dialog is None
    assert not any(isinstance(w, LoginDialog) and w.isVisible()
                   for w in QApplication.topLevelWidgets())
    assert kiosk.isVisible()
    assert not window.isVisible()
    # The office closes the kiosk with their PIN: the window is theirs now, not the viewer's.
    kiosk.request_exit()
    qtbot.keyClicks(kiosk.pin_dialog.pin, "2345")
    with qtbot.waitSignal(kiosk.kioskClosed, timeout=10_000):
        qtbot.keyClick(kiosk.pin_dialog.pin, Qt.Key.Key_Return)
    assert window.isVisible()
    assert (ctx.actor.name, ctx.actor.role) == ("Office Person", Role.OFFICE)
    assert "Signed in as Office Person" in window.statusBar().currentMessage()
    # Away from the kiosk the idle lock works again, for the person now signed in.
    qtbot.waitUntil(lambda: lock.dialog is not None, timeout=3000)
    assert lock.dialog.locked_actor.name == "Office Person"
    lock.stop()
