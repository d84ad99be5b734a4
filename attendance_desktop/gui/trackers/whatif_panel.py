"""The what-if figures on the pupil profile: sessions of full attendance needed to reach the
school's target and to be above the persistent-absence line by the end of the term and of
the year, and how many more absences the year allows (services/whatif_service).

One compact rich-text grid (it sits beside the pupil's details at 1366x768)."""

from __future__ import annotations

import logging
from functools import partial
from html import escape

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy.engine import Engine

from attendance_desktop.domain import whatif
from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.trackers import whatif_service
from attendance_desktop.services.trackers.whatif_service import PupilWhatIf

log = logging.getLogger(__name__)

TIP = ("What if the pupil attends every session from today? Counted from this year's"
       " figures and the school calendar: only the sessions still to come this term or year"
       " while the pupil is on roll (closures skipped; sessions already marked, e.g. granted"
       " leave, count as they are). Persistent absence is missing the policy's percentage or"
       " more, so a figure exactly on the line is still persistent absence.")


def short(goal: whatif.Goal | None) -> str:
    """'reached', 'not reachable' or '25 sessions (12.5 days)' (full attendance in a row)."""
    if goal is None or goal.needed is None or not goal.reachable:
        return "not reachable"
    if goal.needed == 0:
        return "reached"
    n = goal.needed
    days = n / 2
    return f"{n} session{'s' if n != 1 else ''} ({days:g} day{'s' if days != 1 else ''})"


def grid_html(w: PupilWhatIf) -> str:
    term_head = f"end of {escape(w.term_name)}" if w.term else ""
    head = ["", term_head, f"end of {escape(w.year_name)}"] if w.term else \
        ["", f"end of {escape(w.year_name)}"]
    rows = [(f"Target {w.target_pct:g}%", w.term.target if w.term else None, w.year.target),
            (f"Above {w.above_pct:g}%", w.term.above_pa if w.term else None, w.year.above_pa)]
    pad = "style='padding-right:12px'"  # Qt rich text: room between the columns
    cells = "".join(f"<th align='left' {pad}>{h}</th>" for h in head)
    body = ""
    for label, term_goal, year_goal in rows:
        values = ([short(term_goal)] if w.term else []) + [short(year_goal)]
        body += f"<tr><td {pad}><b>{label}</b></td>" + "".join(
            f"<td {pad}>{escape(v)}</td>" for v in values) + "</tr>"
    allowed = w.year.absences_allowed
    if allowed is None:
        left = "none: persistently absent at the year's end whatever happens"
    else:
        left = whatif_service.allowed_text(allowed) + " this year"
        if w.in_a_row == 0:
            left += " (persistently absent now)"
        elif w.in_a_row is not None:
            left += f" ({w.in_a_row} in a row now would be)"
    return ("<b>What if: full attendance from today</b>"
            f"<table cellspacing='0' cellpadding='1'><tr>{cells}</tr>{body}</table>"
            f"More absences before persistent absence:<br>{escape(left)}")


def _read(engine: Engine, pupil_id: int | None) -> tuple[int | None, PupilWhatIf | None]:
    """On the serial worker (no Qt)."""
    return pupil_id, whatif_service.pupil_whatif(engine, pupil_id) if pupil_id else None


class WhatIfPanel(QLabel):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("whatIf")
        self.setToolTip(TIP)
        self.setWordWrap(False)  # lines broken by hand: the layout then sizes it exactly
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContentsMargins(0, 0, 18, 0)  # clear of the profile's vertical scroll bar
        self.ctx = ctx
        self.rows: list[tuple[str, str]] = []
        self.pupil_id: int | None = None
        self.loader = BackgroundLoad(self, lambda: (None, None))
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)

    def show_pupil(self, pupil_id: int | None) -> None:
        """Work the figures out on the serial worker; the last pupil asked for wins."""
        self.pupil_id = pupil_id
        self.loader.work = partial(_read, self.ctx.engine, pupil_id)
        self.loader.request()

    @Slot()
    def _failed(self) -> None:
        log.error("The what-if figures could not be worked out", exc_info=self.loader.error)
        self._show(None)

    @Slot()
    def _loaded(self) -> None:
        pupil_id, w = self.loader.result
        if pupil_id == self.pupil_id:
            self._show(w)

    def _show(self, w: PupilWhatIf | None) -> None:
        self.rows = whatif_service.profile_lines(w) if w is not None else []
        self.setText(grid_html(w) if w is not None else "")
        # a screen reader gets the same figures as sentences
        self.setAccessibleName("What if")
        self.setAccessibleDescription(". ".join(f"{a}: {b}" for a, b in self.rows))
        self.setVisible(w is not None)
