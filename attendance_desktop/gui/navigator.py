"""How pages reach one another: by area key, never by importing each other or by
looking through `window()` for methods that may or may not be there.

The main window makes one `Navigator` and hands it to every page it builds. A page asks
it to show another area (`show_area("settings")`), to open a pupil's profile, to open the
register for a class, or to build a panel another feature owns (`pupil_panel(...)`). The
areas and panels are listed here by module path and imported only when first needed, so
the feature folders stay independent (an import-linter contract in pyproject.toml) and
start-up imports no page it does not show.

A page built on its own (in a test, or inside a dialog) gets a detached navigator: panels
still work, while "show another area" does nothing and says so by returning None/False.
"""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QWidget

    from attendance_desktop.services.context import AppContext


@dataclass(frozen=True)
class Area:
    """One entry of the navigation list (Ctrl+1 .. Ctrl+9 follow the order of AREAS)."""

    key: str
    label: str
    tip: str
    icon: str  # a name under :/icons/ (resources/app.qrc); no icon if absent
    factory: str  # "package.module:Class", called as Class(ctx, navigator)


_GUI = "attendance_desktop.gui"
AREAS: tuple[Area, ...] = (
    Area("today", "Today", "Today's registers, absences to chase and figures", "today",
         f"{_GUI}.today_widget:TodayWidget"),
    Area("register", "Register", "Take and correct the registers", "register",
         f"{_GUI}.register.register_widget:RegisterWidget"),
    Area("kiosk", "Kiosk",
         "Front desk: open the sign-in kiosk, late log, who is on site, fire roll", "kiosk",
         f"{_GUI}.kiosk.office_widget:KioskOfficeWidget"),
    Area("leave", "Leave", "Leave of absence requests and decisions", "leave",
         f"{_GUI}.leave.leave_widget:LeaveWidget"),
    Area("trackers", "Trackers", "Lateness and absence escalation: who needs what next",
         "trackers", f"{_GUI}.trackers.board_widget:TrackersWidget"),
    Area("letters", "Letters", "Letters and printing", "letters",
         f"{_GUI}.letters.letters_widget:LettersWidget"),
    Area("pupils", "Pupils", "Pupils and contacts", "pupils",
         f"{_GUI}.pupils.pupils_widget:PupilsWidget"),
    Area("reports", "Reports",
         "Attendance reports for staff and governors: half term, term, year", "reports",
         f"{_GUI}.reports.reports_widget:ReportsWidget"),
    Area("settings", "Settings", "School, policy, calendar and staff settings", "settings",
         f"{_GUI}.settings.settings_widget:SettingsWidget"),
)

# Widgets one feature shows inside another's page: key -> "module:Class", built with
# (ctx, **keywords). The pupil panels follow PupilPanel below.
PANELS: dict[str, str] = {
    "letters.log": f"{_GUI}.letters.letter_log_widget:LetterLogWidget",
    "mail.outbox": f"{_GUI}.mail.outbox_widget:OutboxWidget",
    "trackers.chronology": f"{_GUI}.trackers.chronology_widget:ChronologyWidget",
    "trackers.whatif": f"{_GUI}.trackers.whatif_panel:WhatIfPanel",
}


def load(path: str) -> Callable[..., Any]:
    """The class or function named by "package.module:Name" (imported now)."""
    module, _, name = path.partition(":")
    return cast(Callable[..., Any], getattr(importlib.import_module(module), name))


def area(key: str) -> Area:
    for a in AREAS:
        if a.key == key:
            return a
    raise KeyError(key)


# -- what pages may offer ------------------------------------------------------------------

@runtime_checkable
class PupilPanel(Protocol):
    """A panel about one pupil (None: nobody chosen)."""

    def show_pupil(self, pupil_id: int | None) -> None: ...


@runtime_checkable
class OpensPupil(Protocol):
    def show_pupil(self, pupil_id: int) -> None: ...


@runtime_checkable
class OpensClassToday(Protocol):
    def show_class_today(self, class_id: int | None) -> None: ...


@runtime_checkable
class OpensSection(Protocol):
    def show_section(self, section: str) -> bool: ...


class NavigatorHost(Protocol):
    """What the main window offers the navigator."""

    def show_area_key(self, key: str) -> QWidget | None: ...

    def open_kiosk(self) -> None: ...

    def rebuild_for_user(self) -> None: ...


class Navigator:
    def __init__(self, ctx: AppContext, host: NavigatorHost | None = None) -> None:
        self.ctx = ctx
        # weak: the window owns its navigator, not the other way round
        self._host: Callable[[], NavigatorHost | None] = (
            weakref.ref(host) if host is not None else lambda: None)  # type: ignore[arg-type]
        self.mail_pump: QObject | None = None  # the window's background email sender

    @property
    def attached(self) -> bool:
        """True inside the main window (other areas can be shown)."""
        return self._host() is not None

    # -- areas -----------------------------------------------------------------------------
    def show_area(self, key: str) -> QWidget | None:
        """Switch to the area (building its page on first visit); the page, or None."""
        host = self._host()
        return host.show_area_key(key) if host is not None else None

    def show_pupil(self, pupil_id: int) -> bool:
        """The pupil's profile in the Pupils area."""
        page = self.show_area("pupils")
        if isinstance(page, OpensPupil):
            page.show_pupil(pupil_id)
            return True
        return False

    def show_register_today(self, class_id: int | None) -> bool:
        """The register at today's session, for this class (None: as it was)."""
        page = self.show_area("register")
        if isinstance(page, OpensClassToday):
            page.show_class_today(class_id)
            return True
        return False

    def show_settings(self, section: str) -> bool:
        """One tab of the Settings area (e.g. "calendar")."""
        page = self.show_area("settings")
        return isinstance(page, OpensSection) and page.show_section(section)

    def open_kiosk(self) -> bool:
        host = self._host()
        if host is None:
            return False
        host.open_kiosk()
        return True

    def reload_all(self) -> bool:
        """Every page built again from the database (after a restore or a user switch)."""
        host = self._host()
        if host is None:
            return False
        host.rebuild_for_user()
        return True

    # -- panels ----------------------------------------------------------------------------
    def panel(self, key: str, **keywords: Any) -> QWidget:
        """A widget another feature owns, e.g. panel("mail.outbox")."""
        return cast("QWidget", load(PANELS[key])(self.ctx, **keywords))

    def pupil_panel(self, key: str, **keywords: Any) -> PupilPanel:
        made = load(PANELS[key])(self.ctx, **keywords)
        assert isinstance(made, PupilPanel), key
        return cast(PupilPanel, made)
