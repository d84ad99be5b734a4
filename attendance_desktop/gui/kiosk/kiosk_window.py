"""The full-screen sign-in kiosk: start, find, reason, adult, confirm, done.

Locked down: closing (the close button, Esc on the start screen, Alt+F4) asks for a staff
PIN; any idle period of `kiosk_idle_seconds` returns to the start screen; it shows names,
photos or initials only. Every action is one service call (one transaction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.flow_layout import FlowLayout
from attendance_desktop.gui.kiosk import kiosk_saver
from attendance_desktop.gui.kiosk.kiosk_fit import is_compact, set_compact, wrap_text
from attendance_desktop.gui.kiosk.kiosk_widgets import (
    COMPACT_TILE,
    TILE_SIZE,
    LetterPad,
    PupilTile,
    avatar,
    big_button,
)
from attendance_desktop.gui.kiosk.pin_dialog import ExitPinDialog
from attendance_desktop.services.errors import ServiceError

if TYPE_CHECKING:  # the database stack is imported on first use: the quick start shows
    # the kiosk while it is still being imported and opened (attendance_desktop.quick_start)
    from attendance_desktop.domain.policy import Policy
    from attendance_desktop.services.context import AppContext
    from attendance_desktop.services.kiosk import kiosk_service
    from attendance_desktop.services.kiosk.kiosk_service import KioskPupil

MAX_TILES = 40  # more than this: ask for another letter rather than a long scroll
DONE_SECONDS = 8
FIRST_IDLE_SECONDS = 60  # the policy's default, until the database is open (quick start)
CONFIRM_TEXT = "Yes, that's right"
IN, OUT, BACK = "in", "out", "back"
BROUGHT_BY = ("Parent or carer", "Grandparent", "Childminder", "Other family member")
INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin,
    QEvent.Type.Wheel, QEvent.Type.MouseMove,
})


def _label(text: str, role: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    return label


class Entry(QLineEdit):
    """A line edit that keeps its Enter (QLineEdit passes it on to the window)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


class KioskWindow(QWidget):
    kioskClosed = Signal()  # emitted once, after a staff PIN closed it

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 school_name: str | None = None, database_ready: bool = True) -> None:
        """school_name and database_ready=False: the quick start, with ctx standing in
        for the context still being opened; `database_opened` is called once it is."""
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("kiosk")
        self.setWindowTitle("Sign-in kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        theme.ensure_applied()  # the kiosk look is in resources/style.qss (#kiosk)
        # No fixed minimum: on a small screen (or at 125-150% scaling) the kiosk goes
        # compact (kiosk_fit) rather than growing past the screen.
        self.compact = False
        self.policy: Policy | None = None  # with the exit guard, once the database is open
        self.guard: kiosk_service.ExitGuard | None = None
        self._given_school_name = school_name
        self.unlocked_by = None
        self.pin_dialog: ExitPinDialog | None = None
        self.saving = False  # a save is running off the GUI thread (kiosk_saver)
        self.mode = IN
        self.pupil: KioskPupil | None = None
        self.reason = ""
        self.adult = ""
        self.result: kiosk_service.KioskResult | None = None
        self._pupils: tuple[KioskPupil, ...] = ()
        self._class_id: int | None = None

        self.stack = QStackedWidget()
        self.start_screen = self._build_start()
        self.stack.addWidget(self.start_screen)
        self._screens_built = False
        self.outer = QVBoxLayout(self)
        self.outer.addLayout(self._build_top_bar())
        self.outer.addWidget(self.stack, 1)
        if database_ready:
            self.build_screens()
        self._fit(is_compact(self.size()), force=True)

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(FIRST_IDLE_SECONDS * 1000)
        self.idle_timer.timeout.connect(self.reset)
        self.done_timer = QTimer(self)
        self.done_timer.setSingleShot(True)
        self.done_timer.setInterval(DONE_SECONDS * 1000)
        self.done_timer.timeout.connect(self.reset)
        if database_ready:
            self._load_settings()
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(10_000)
        self.clock_timer.timeout.connect(self._tick)
        self.clock_timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._tick()
        self.reset()

    # -- layout ---------------------------------------------------------------------
    def _build_top_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.school_label = _label(self._school_name(), "hint", wrap=False)
        self.clock_label = _label("", "clock", wrap=False)
        self.clock_label.setAccessibleName("Time now")
        self.exit_button = big_button("Staff: close kiosk", "Staff: close the kiosk",
                                      quiet=True)
        self.exit_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.exit_button.setToolTip("Staff only: asks for a staff PIN")
        self.exit_button.clicked.connect(self.request_exit)
        bar.addWidget(self.school_label)
        bar.addStretch(1)
        bar.addWidget(self.clock_label)
        bar.addSpacing(24)
        bar.addWidget(self.exit_button)
        return bar

    def _school_name(self) -> str:
        if self._given_school_name is not None:
            return self._given_school_name
        from attendance_desktop.services.kiosk import kiosk_service

        return kiosk_service.school_name(self.ctx.engine)

    def _load_settings(self) -> None:
        """The policy's timings and the exit guard (needs the database)."""
        from attendance_desktop.services.kiosk import kiosk_service
        from attendance_desktop.services.school import policy_service

        self.policy = policy_service.load_policy(self.ctx.engine)
        self.guard = kiosk_service.ExitGuard(self.ctx.engine)
        self.idle_timer.setInterval(max(1, self.policy.kiosk_idle_seconds) * 1000)
        self.done_timer.setInterval(min(DONE_SECONDS, self.policy.kiosk_idle_seconds) * 1000)

    def database_opened(self, ctx: AppContext) -> None:
        """The quick start: the real context, once opened behind the shown kiosk."""
        self.ctx = ctx
        self.build_screens()
        if self.policy is None:
            self._load_settings()
        if self.stack.currentWidget() is self.start_screen and not self.saving:
            self.idle_timer.start()  # now at the school's own interval

    def build_screens(self) -> None:
        """The screens after the start screen. The quick start shows the start screen
        first and builds these just after (or on the first tap): the first text box and
        the letter pad cost a noticeable part of the start."""
        if self._screens_built:
            return
        self._screens_built = True
        self.find_screen = self._build_find()
        self.reason_screen = self._build_reason()
        self.adult_screen = self._build_adult()
        self.confirm_screen = self._build_confirm()
        self.done_screen = self._build_done()
        for screen in (self.find_screen, self.reason_screen, self.adult_screen,
                       self.confirm_screen, self.done_screen):
            self.stack.addWidget(screen)
        if hasattr(self, "outer"):  # built after the window: give them its current fit
            self._fit(self.compact, force=True)

    def _build_start(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        page.setProperty("spacing_full", 22)
        layout.addStretch(1)
        title = _label("Welcome! Please sign in here.", "heading")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = _label("Tap what you are doing, or start typing your name.", "hint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        layout.addWidget(hint)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.start_in = big_button("Arriving late\nSign in", "Arriving late: sign in",
                                   primary=True, big=True)
        self.start_out = big_button("Leaving early\nSign out", "Leaving early: sign out",
                                    big=True)
        self.start_back = big_button("Coming back\nSign in again",
                                     "Coming back: sign in again", big=True)
        for button, mode in ((self.start_in, IN), (self.start_out, OUT),
                             (self.start_back, BACK)):
            button.setProperty("hero", "true")
            button.setProperty("mode", mode)
            button.clicked.connect(self._start_mode)
            row.addWidget(button)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    def _build_find(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        page.setProperty("spacing_full", 10)
        head = QHBoxLayout()
        self.find_back = big_button("‹ Back", "Back to the start")
        self.find_back.setFixedWidth(160)
        self.find_back.clicked.connect(self.go_back)
        self.find_title = _label("Who are you?", "title", wrap=False)
        self.search = Entry()
        self.search.setPlaceholderText("First letters of your name")
        self.search.setAccessibleName("First letters of your name")
        self.search.textChanged.connect(self._refresh_tiles)
        self.search.returnPressed.connect(self.choose_single_match)
        head.addWidget(self.find_back)
        head.addSpacing(12)
        head.addWidget(self.find_title)
        head.addSpacing(12)
        head.addWidget(self.search, 1)
        layout.addLayout(head)
        # the classes wrap to a second row rather than squeezing (a two-form school)
        class_host = QWidget()
        self.class_row = FlowLayout(class_host, spacing=8)
        self.class_group = QButtonGroup(self)
        self.class_group.setExclusive(True)
        self.class_group.idClicked.connect(self._class_chosen)
        layout.addWidget(class_host)
        self.tiles_host = QWidget()
        self.tiles_host.setObjectName("tiles")
        self.tiles_grid = QGridLayout(self.tiles_host)
        self.tiles_grid.setSpacing(12)
        self.tiles_grid.setContentsMargins(0, 0, 0, 0)
        self.tiles_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.tiles_note = _label("", "hint")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.tiles_host)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.viewport().setAutoFillBackground(False)
        scroll.setAccessibleName("Matching names")
        self.tiles_scroll = scroll
        layout.addWidget(self.tiles_note)
        layout.addWidget(scroll, 1)
        self.pad = LetterPad()
        self.pad.typed.connect(self.search.insert)
        self.pad.erased.connect(self.search.backspace)
        self.pad.cleared.connect(self.search.clear)
        layout.addWidget(self.pad)
        self.tiles: list[PupilTile] = []
        return page

    def _titled_page(self, back_tip: str, title: str,
                     spacing: int = 16) -> tuple[QWidget, QVBoxLayout, QLabel]:
        """A kiosk step: a big Back button beside the step's heading."""
        page = QWidget()
        layout = QVBoxLayout(page)
        page.setProperty("spacing_full", spacing)
        head = QHBoxLayout()
        back = big_button("‹ Back", back_tip)
        back.setFixedWidth(160)
        back.clicked.connect(self.go_back)
        heading = _label(title, "heading")
        head.addWidget(back)
        head.addSpacing(16)
        head.addWidget(heading, 1)
        layout.addLayout(head)
        return page, layout, heading

    def _build_reason(self) -> QWidget:
        page, layout, self.reason_title = self._titled_page("Back to choosing a name", "")
        self.reason_grid = QGridLayout()
        self.reason_grid.setSpacing(16)
        layout.addLayout(self.reason_grid)
        layout.addStretch(1)
        self.reason_buttons: list[QPushButton] = []
        return page

    def _build_adult(self) -> QWidget:
        page, layout, self.adult_title = self._titled_page("Back to the reason", "")
        grid = QGridLayout()
        grid.setSpacing(16)
        self.adult_buttons: list[QPushButton] = []
        for i, text in enumerate(BROUGHT_BY):
            button = big_button(text)
            button.clicked.connect(self._adult_chosen)
            grid.addWidget(button, i // 2, i % 2)
            self.adult_buttons.append(button)
        self.alone_button = big_button("No one: I came on my own")
        self.alone_button.clicked.connect(self._adult_chosen)
        grid.addWidget(self.alone_button, 2, 0, 1, 2)
        layout.addLayout(grid)
        other = QHBoxLayout()
        self.adult_name = Entry()
        self.adult_name.setPlaceholderText("Or type their name")
        self.adult_name.setAccessibleName("Name of the adult")
        self.adult_name.returnPressed.connect(self._adult_typed)
        self.adult_next = big_button("Next ›", "Next with the typed name", primary=True)
        self.adult_next.setFixedWidth(200)
        self.adult_next.clicked.connect(self._adult_typed)
        other.addWidget(self.adult_name, 1)
        other.addWidget(self.adult_next)
        layout.addLayout(other)
        self.adult_skip = big_button("Skip this question", quiet=True)
        self.adult_skip.clicked.connect(self._adult_skipped)
        layout.addWidget(self.adult_skip)
        layout.addStretch(1)
        return page

    def _build_confirm(self) -> QWidget:
        page, layout, self.confirm_title = self._titled_page(
            "Back: change something", "Is this right?", spacing=18)
        card = self.confirm_card = QFrame()
        card.setObjectName("card")
        row = QHBoxLayout(card)
        row.setContentsMargins(28, 24, 28, 24)
        row.setSpacing(28)
        self.confirm_photo = QLabel()
        self.confirm_photo.setFixedSize(140, 140)
        self.confirm_text = _label("")
        self.confirm_text.setTextFormat(Qt.TextFormat.RichText)
        self.confirm_text.setAccessibleName("What will be recorded")
        row.addWidget(self.confirm_photo, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.confirm_text, 1)
        layout.addWidget(card)
        layout.addSpacing(12)
        self.confirm_button = big_button(CONFIRM_TEXT, "Confirm", primary=True, big=True)
        self.confirm_button.clicked.connect(self.confirm)
        layout.addWidget(self.confirm_button)
        self.saving_label = _label("Saving… please wait a moment.")
        self.saving_label.setAccessibleName("Saving")
        self.saving_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.saving_label.hide()
        layout.addWidget(self.saving_label)
        layout.addStretch(1)
        return page

    def _build_done(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.done_photo = QLabel()
        self.done_photo.setFixedSize(140, 140)
        self.done_text = _label("", "heading")
        self.done_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_text.setAccessibleName("Result")
        layout.addWidget(self.done_photo, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addWidget(self.done_text)
        layout.addSpacing(30)
        self.done_button = big_button("Done", "Done: back to the start", primary=True)
        self.done_button.setFixedWidth(360)
        self.done_button.clicked.connect(self.reset)
        layout.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        return page

    # -- flow ---------------------------------------------------------------------------
    @Slot()
    def reset(self) -> None:
        """Back to the start screen, forgetting everything about the last pupil."""
        if self.saving:
            return  # the done screen follows the save
        self.done_timer.stop()
        if self.pin_dialog is not None:
            self.pin_dialog.reject()
        self.mode = IN
        self.pupil = None
        self.reason = self.adult = ""
        self.result = None
        if self._screens_built:
            self.search.clear()
            self.adult_name.clear()
        self.stack.setCurrentWidget(self.start_screen)
        self.start_in.setFocus()
        self.idle_timer.start()

    def current_screen(self) -> str:
        if not self._screens_built:
            return "start"
        return {self.start_screen: "start", self.find_screen: "find",
                self.reason_screen: "reason", self.adult_screen: "adult",
                self.confirm_screen: "confirm", self.done_screen: "done"}[
            self.stack.currentWidget()]

    @Slot()
    def _start_mode(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.begin(str(button.property("mode")))

    def begin(self, mode: str, letters: str = "") -> None:
        from attendance_desktop.services.kiosk import kiosk_service
        from attendance_desktop.services.school import policy_service

        self.build_screens()  # (the quick start: a tap before they were built)
        self.mode = mode
        now = self.ctx.now()
        if self.guard is None:
            self._load_settings()
        self.policy = policy_service.load_policy(self.ctx.engine)  # reasons may have changed
        closed = kiosk_service.closed_message(self.ctx.engine, now) if mode == IN else ""
        if closed:  # say so before anyone picks a name; nothing is recorded
            self._show_done(f"{closed} There is no need to sign in.")
            return
        everyone = kiosk_service.list_pupils(self.ctx.engine, now.date())
        if mode == BACK:
            out = kiosk_service.signed_out_ids(self.ctx.engine, now.date())
            everyone = tuple(p for p in everyone if p.id in out)
        self._pupils = everyone
        self.find_title.setText({IN: "Arriving late: who are you?",
                                 OUT: "Leaving early: who are you?",
                                 BACK: "Coming back: who are you?"}[mode])
        self._fill_classes()
        self.stack.setCurrentWidget(self.find_screen)
        self.search.setText(letters)
        self._refresh_tiles()
        self.search.setFocus()

    def _fill_classes(self) -> None:
        for button in self.class_group.buttons():
            self.class_group.removeButton(button)
            self.class_row.removeWidget(button)
            button.deleteLater()
        self._class_id = None
        from attendance_desktop.services.kiosk import kiosk_service

        classes = kiosk_service.list_classes(self.ctx.engine)
        everyone = big_button("All classes", "Show all classes")
        everyone.setProperty("chip", "true")
        everyone.setCheckable(True)
        everyone.setChecked(True)
        self.class_group.addButton(everyone, -1)
        self.class_row.addWidget(everyone)
        for c in classes:
            # "Year 1 — Saplings" on two lines: eight classes fit across the screen
            button = big_button(c.name.replace(" — ", "\n"), f"Class {c.name}")
            button.setToolTip(c.name)
            button.setProperty("chip", "true")
            button.setCheckable(True)
            self.class_group.addButton(button, c.id)
            self.class_row.addWidget(button)
        for button in self.class_group.buttons():
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    @Slot(int)
    def _class_chosen(self, class_id: int) -> None:
        self._class_id = None if class_id == -1 else class_id
        self._refresh_tiles()
        self.search.setFocus()

    @Slot()
    def _refresh_tiles(self) -> None:
        for tile in self.tiles:
            self.tiles_grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = []
        from attendance_desktop.services.kiosk import kiosk_service

        found = kiosk_service.find(self._pupils, self.search.text(), self._class_id)
        if not self._pupils:
            self.tiles_note.setText("Nobody is signed out at the moment." if self.mode == BACK
                                    else "There are no pupils to show.")
        elif not found:
            self.tiles_note.setText("No names start with those letters. Rub out a letter or"
                                    " choose your class.")
        elif len(found) > MAX_TILES:
            self.tiles_note.setText(f"Showing the first {MAX_TILES}: type another letter or"
                                    " choose your class.")
        else:
            self.tiles_note.setText("Tap your name." if len(found) > 1 else
                                    "Tap your name, or press Enter.")
        size, columns = self._tile_layout()
        for i, pupil in enumerate(found[:MAX_TILES]):
            tile = PupilTile(pupil, self.tiles_host)
            tile.set_size(size, compact=self.compact)
            tile.clicked.connect(self._tile_clicked)
            self.tiles_grid.addWidget(tile, i // columns, i % columns)
            tile.show()  # (a layout would only show it on the next event loop pass)
            self.tiles.append(tile)
        self.tiles_grid.activate()

    def _tile_layout(self) -> tuple[QSize, int]:
        """The tiles' size and how many go across: full-size tiles, or (compact) rows of
        name-beside-photo tiles as wide as the room shared by the columns."""
        gap = self.tiles_grid.spacing()
        width = self.tiles_scroll.width() - 34  # room for the (touch-wide) scroll bar
        if width < COMPACT_TILE.width():  # not laid out yet
            width = self.width() - 100
        if not self.compact:
            return TILE_SIZE, max(1, width // (TILE_SIZE.width() + gap))
        columns = max(1, (width + gap) // (COMPACT_TILE.width() + gap))
        tile_width = (width - gap * (columns - 1)) // columns
        return QSize(max(COMPACT_TILE.width(), tile_width), COMPACT_TILE.height()), columns

    def _built_screens(self) -> tuple[QWidget, ...]:
        if not self._screens_built:
            return (self.start_screen,)
        return (self.start_screen, self.find_screen, self.reason_screen,
                self.adult_screen, self.confirm_screen, self.done_screen)

    def _fit(self, compact: bool, force: bool = False) -> None:
        """The full-size or the compact kiosk (kiosk_fit): the stylesheet's look, then the
        room between things."""
        if not set_compact(self, compact) and not force:
            return
        self.compact = compact
        if compact:
            self.outer.setContentsMargins(16, 6, 16, 8)
            self.outer.setSpacing(6)
        else:
            self.outer.setContentsMargins(32, 14, 32, 16)
            self.outer.setSpacing(12)
        for page in self._built_screens():
            layout = page.layout()
            full = int(page.property("spacing_full") or 6)
            layout.setSpacing(full // 2 if compact else full)
            layout.setContentsMargins(*(0, 4, 0, 0) if compact else (9, 9, 9, 9))
        if not self._screens_built:  # the quick start: only the start screen so far
            return
        photo = 96 if compact else 140
        for label in (self.confirm_photo, self.done_photo):
            label.setFixedSize(photo, photo)
            if not label.pixmap().isNull():  # shown now: the same picture, resized
                label.setPixmap(label.pixmap().scaled(
                    photo, photo, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation))
        self.confirm_card.layout().setContentsMargins(*(16, 10, 16, 10) if compact
                                                      else (28, 24, 28, 24))
        self.tiles_grid.setSpacing(8 if compact else 12)
        self.pad.layout().setSpacing(6 if compact else 8)
        self._wrap_buttons()

    def _wrap_buttons(self) -> None:
        """Reason and adult buttons two to a row: a long reason goes on two lines rather
        than pushing its column wider than half the screen."""
        if not self._screens_built:
            return
        half = (self.width() - self.outer.contentsMargins().left() * 2 - 16) // 2
        for button in (*self.reason_buttons, *self.adult_buttons):
            text = str(button.property("label") or button.text())
            button.setProperty("label", text)
            button.ensurePolished()
            room = half - 44  # the button's padding and border (style.qss)
            button.setText(wrap_text(text, button.fontMetrics(), room))

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._fit(is_compact(self.size()))
        self._wrap_buttons()
        if self._screens_built and self.stack.currentWidget() is self.find_screen:
            self._refresh_tiles()

    @Slot()
    def choose_single_match(self) -> None:
        if len(self.tiles) == 1:
            self.choose(self.tiles[0].pupil)

    @Slot()
    def _tile_clicked(self) -> None:
        tile = self.sender()
        if isinstance(tile, PupilTile):
            self.choose(tile.pupil)

    def choose(self, pupil: KioskPupil) -> None:
        self.pupil = pupil
        if self.mode == BACK:
            self.reason, self.adult = "", ""
            self._show_confirm()
            return
        self._fill_reasons()
        self.stack.setCurrentWidget(self.reason_screen)
        if self.reason_buttons:
            self.reason_buttons[0].setFocus()

    def _fill_reasons(self) -> None:
        for button in self.reason_buttons:
            self.reason_grid.removeWidget(button)
            button.deleteLater()
        self.reason_buttons = []
        assert self.pupil is not None
        assert self.policy is not None  # loaded by begin()
        first = self.pupil.forename
        if self.mode == IN:
            self.reason_title.setText(f"Hello {first}! Why are you late today?")
            labels = [label for label, _ in self.policy.kiosk_reasons]
        else:
            self.reason_title.setText(f"Why are you leaving, {first}?")
            labels = list(self.policy.kiosk_out_reasons)
        for i, label in enumerate(labels):
            button = big_button(label, f"Reason: {label}")
            button.setProperty("reason", label)
            button.clicked.connect(self._reason_chosen)
            self.reason_grid.addWidget(button, i // 2, i % 2)
            self.reason_buttons.append(button)
        self._wrap_buttons()

    @Slot()
    def _reason_chosen(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.choose_reason(str(button.property("reason")))

    def choose_reason(self, reason: str) -> None:
        self.reason = reason
        self.adult_title.setText("Who brought you to school?" if self.mode == IN
                                 else "Who is collecting you?")
        self.alone_button.setVisible(self.mode == IN)
        self.adult_skip.setVisible(self.mode == IN)
        self.adult_name.clear()
        self.stack.setCurrentWidget(self.adult_screen)
        self.adult_buttons[0].setFocus()

    @Slot()
    def _adult_chosen(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            text = "" if button is self.alone_button else str(button.property("label")
                                                                  or button.text())
            self.choose_adult(text or "Came on their own")

    @Slot()
    def _adult_typed(self) -> None:
        name = self.adult_name.text().strip()
        if name:
            self.choose_adult(name)

    @Slot()
    def _adult_skipped(self) -> None:
        self.choose_adult("")

    def choose_adult(self, adult: str) -> None:
        self.adult = adult
        self._show_confirm()

    def _show_confirm(self) -> None:
        assert self.pupil is not None
        now = self.ctx.now()
        lines = [f"<div style='font-size:30pt;font-weight:600'>{_esc(self.pupil.name)}</div>"]
        what = {IN: "Arriving", OUT: "Leaving", BACK: "Coming back"}[self.mode]
        lines.append(f"{what} at <b>{now:%H:%M}</b>")
        if self.reason:
            lines.append(f"Reason: <b>{_esc(self.reason)}</b>")
        if self.adult:
            who = "Brought by" if self.mode == IN else "Collected by"
            lines.append(f"{who}: <b>{_esc(self.adult)}</b>")
        self.confirm_text.setText("<div style='line-height:140%'>" + "<br>".join(lines)
                                  + "</div>")
        self.confirm_photo.setPixmap(avatar(self.pupil, self.confirm_photo.width()))
        self.stack.setCurrentWidget(self.confirm_screen)
        self.confirm_button.setFocus()

    @Slot()
    def confirm(self) -> None:
        """Write it: one service call, one transaction, then the done screen. The call
        runs off the GUI thread (kiosk_saver): while a big import holds the write lock the
        kiosk keeps answering and, after a second, says it is saving."""
        assert self.pupil is not None
        if self.saving:
            return
        from attendance_desktop.services.kiosk import kiosk_service

        engine, pupil, mode, reason, adult = (self.ctx.engine, self.pupil, self.mode,
                                              self.reason, self.adult)

        def call() -> kiosk_service.KioskResult:
            if mode == IN:
                return kiosk_service.sign_in(engine, pupil.id, reason, adult)
            if mode == OUT:
                return kiosk_service.sign_out(engine, pupil.id, reason, adult)
            return kiosk_service.sign_back(engine, pupil.id)

        self.saving = True
        self.idle_timer.stop()
        self.confirm_button.setEnabled(False)
        try:
            result = kiosk_saver.save(call, self._saving_slowly)
            text = result.message
            self.result = result
        except ServiceError as exc:
            text = f"Sorry, that did not work: {exc}. Please see the office."
            self.result = None
        finally:
            self.saving = False
            self.saving_label.hide()
            self.confirm_button.setText(CONFIRM_TEXT)
            self.confirm_button.setEnabled(True)
        self._show_done(text, pupil)

    def _saving_slowly(self) -> None:
        self.confirm_button.setText("Saving…")
        self.saving_label.show()

    def _show_done(self, text: str, pupil: KioskPupil | None = None) -> None:
        self.done_text.setText(text)
        self.done_photo.setVisible(pupil is not None)
        if pupil is not None:
            self.done_photo.setPixmap(avatar(pupil, self.done_photo.width()))
        self.stack.setCurrentWidget(self.done_screen)
        self.done_button.setFocus()
        self.done_timer.start()

    @Slot()
    def go_back(self) -> None:
        if self.saving:
            return
        screen = self.current_screen()
        if screen == "find" or screen == "done":
            self.reset()
        elif screen == "reason":
            self.stack.setCurrentWidget(self.find_screen)
            self.search.setFocus()
        elif screen == "adult":
            self.stack.setCurrentWidget(self.reason_screen)
        elif screen == "confirm":
            if self.mode == BACK:
                self.stack.setCurrentWidget(self.find_screen)
            else:
                self.stack.setCurrentWidget(self.adult_screen)

    @Slot()
    def _tick(self) -> None:
        self.clock_label.setText(f"{self.ctx.now():%H:%M}")

    # -- locked down --------------------------------------------------------------------
    def showFullScreen(self) -> None:
        # Without a window manager (a bare kiosk session) full screen is only a request.
        screen = self.screen()
        if screen is not None:
            self.setGeometry(screen.geometry())
        super().showFullScreen()

    @Slot()
    def request_exit(self) -> None:
        if self.pin_dialog is not None or self.saving:
            return
        from attendance_desktop.services.kiosk import kiosk_service

        if not kiosk_service.can_be_unlocked(self.ctx.engine):
            # A new install with no staff PINs: nobody could ever close it otherwise.
            self.unlocked_by = kiosk_service.KIOSK_ACTOR
            self.close()
            return
        if self.guard is None:
            self._load_settings()
        assert self.guard is not None
        dialog = ExitPinDialog(self.guard, self.ctx.now, self)
        dialog.setAccessibleName("Staff PIN to close the kiosk")
        dialog.accepted.connect(self._pin_accepted)
        dialog.finished.connect(self._pin_finished)
        self.pin_dialog = dialog
        dialog.open()

    @Slot()
    def _pin_accepted(self) -> None:
        assert self.pin_dialog is not None
        self.unlocked_by = self.pin_dialog.actor
        self.close()

    @Slot()
    def _pin_finished(self) -> None:
        if self.pin_dialog is not None:
            self.pin_dialog.deleteLater()
        self.pin_dialog = None

    def closeEvent(self, event: QCloseEvent) -> None:
        from attendance_desktop.services.kiosk import kiosk_service

        if self.unlocked_by is None and not kiosk_service.can_be_unlocked(self.ctx.engine):
            self.unlocked_by = kiosk_service.KIOSK_ACTOR  # no staff PINs exist yet
        if self.unlocked_by is None:
            event.ignore()
            self.request_exit()
            return
        self.idle_timer.stop()
        self.done_timer.stop()
        self.clock_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        event.accept()
        self.kioskClosed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        screen = self.current_screen()
        if key == Qt.Key.Key_Escape:
            if screen == "start":
                self.request_exit()
            else:
                self.go_back()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QAbstractButton) and focused.isVisible():
                focused.click()
            elif screen == "confirm":
                self.confirm()
            elif screen == "done":
                self.reset()
            elif screen == "find":
                self.choose_single_match()
            return
        if screen == "start" and event.text().isalpha():
            self.begin(IN, event.text().lower())
            return
        if screen == "find" and event.text().isalpha():
            self.search.insert(event.text().lower())
            self.search.setFocus()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS and self.isVisible():
            self.idle_timer.start()  # restarts the countdown
            if self.current_screen() == "done" and event.type() != QEvent.Type.MouseMove:
                self.done_timer.start()
        return False


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
