"""The message shown when a write finds that someone else changed a cell since this grid
loaded it (MarkConflict): who changed it, when and to what, and two ways on.

"Keep theirs" leaves the other person's marks (the grid already shows them) and writes
nothing. "Amend" writes this user's change over theirs, compared with the mark now on
record, as a recorded change; after the register has closed it asks for a reason first.
Escape is "Keep theirs": the safe choice never overwrites anything.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from attendance_desktop.domain import codes
from attendance_desktop.domain.roles import Role
from attendance_desktop.services.errors import CellConflict

SHOWN_UP_TO = 8  # cells listed one by one; the rest are counted


class ConflictChoice(Enum):
    KEEP_THEIRS = "keep"
    AMEND = "amend"


def _code_text(code: str) -> str:
    if not code:
        return "no mark"
    found = codes.CODES.get(code)
    return f"{code} ({found.meaning})" if found else code


def _role_text(role: str) -> str:
    try:
        return Role(role).label.lower()
    except ValueError:
        return role


def describe(conflict: CellConflict, today: dt.date) -> str:
    """One line: whose cell, what this user saw, who changed it, when and to what."""
    who = (f"{conflict.changed_by} ({_role_text(conflict.changed_role)})"
           if conflict.changed_by else "someone else")
    when = ""
    if conflict.changed_at is not None:
        at = conflict.changed_at
        when = f" at {at:%H:%M}" + ("" if at.date() == today else f" on {at:%a %d %b}")
    verb = "cleared it" if not conflict.current_code else (
        f"changed it to {_code_text(conflict.current_code)}")
    return (f"{conflict.pupil_name}, {conflict.day:%a %d %b} {conflict.session}: you saw"
            f" {_code_text(conflict.seen_code)}; {who} {verb}{when}.")


class ConflictBox(QMessageBox):
    """A native message box with the two choices as its own buttons."""

    def __init__(self, parent: QWidget | None, conflicts: tuple[CellConflict, ...],
                 today: dt.date, *, needs_reason: bool, may_amend: bool) -> None:
        super().__init__(parent)
        n = len(conflicts)
        self.setObjectName("markConflict")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Someone else changed this mark")
        self.setAccessibleName("Someone else changed this mark")
        cells = "this mark" if n == 1 else f"{n} of these marks"
        self.setText(f"Someone else changed {cells} after your register was loaded."
                     " Nothing you typed was saved.")
        lines = [describe(c, today) for c in conflicts[:SHOWN_UP_TO]]
        if n > SHOWN_UP_TO:
            lines.append(f"… and {n - SHOWN_UP_TO} more.")
        if may_amend:
            amend_note = ("Amend writes your change over theirs, kept in the history"
                          + (" with your reason (the register has closed)." if needs_reason
                             else "."))
        else:
            amend_note = ("The register has closed: ask the office or the headteacher if"
                          " their mark is wrong.")
        self.setInformativeText("\n".join(lines) + "\n\nKeep theirs: the grid shows their"
                                f" marks and nothing is written. {amend_note}")
        self.setAccessibleDescription(" ".join(lines))
        self.keep_button: QPushButton = self.addButton(
            "&Keep theirs", QMessageBox.ButtonRole.RejectRole)
        self.keep_button.setAccessibleName("Keep theirs: show their marks, write nothing")
        self.amend_button: QPushButton | None = None
        if may_amend:
            label = "&Amend with a reason…" if needs_reason else "&Amend: use mine"
            self.amend_button = self.addButton(label, QMessageBox.ButtonRole.AcceptRole)
            self.amend_button.setAccessibleName(
                "Amend: write my change over theirs" + (", with a reason" if needs_reason
                                                        else ""))
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)

    def choose(self) -> ConflictChoice:
        self.exec()
        if self.amend_button is not None and self.clickedButton() is self.amend_button:
            return ConflictChoice.AMEND
        return ConflictChoice.KEEP_THEIRS
