"""Refused leave taken anyway: exactly which sessions will become G, and from what.

Sessions with no reason recorded (no mark, N, O) change; a session with another recorded
reason (illness I, a medical appointment M...) is listed with a box the headteacher ticks
to replace it, one by one; attended sessions and sessions already G are shown and left
alone. Nothing is written until "Mark G" is pressed; every change is an amendment with
the reason, who and their role.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QDialog, QHeaderView, QTableWidgetItem, QWidget

from attendance_desktop.domain import codes
from attendance_desktop.domain import leave as rules
from attendance_desktop.gui import theme
from attendance_desktop.gui.generated.leave.ui_taken_dialog import Ui_TakenDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.leave import leave_decisions, leave_records

ACTION_TEXT = {"change": "Will change to G",
               "confirm": "Recorded reason: tick to replace with G (headteacher)",
               "keep": "Left alone"}


def _code_text(code: str) -> str:
    if not code:
        return "no mark"
    found = codes.CODES.get(code)
    return f"{code} ({found.meaning})" if found is not None else code


class TakenDialog(QDialog):
    """Lists the plan from leave_decisions.taken_unauthorised_plan and applies it."""

    def __init__(self, ctx: AppContext, request_id: int, pupil_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.request_id = request_id
        self.outcome: leave_records.RegisterResult | None = None
        self.ui = Ui_TakenDialog()
        self.ui.setupUi(self)
        self.setWindowTitle(f"Refused leave taken: {pupil_name}")
        self.plan = leave_decisions.taken_unauthorised_plan(ctx.engine, request_id,
                                                            now=ctx.now())
        may_confirm = ctx.actor.can_decide_leave
        changes = sum(1 for c in self.plan if c.action == "change")
        confirm = sum(1 for c in self.plan if c.action == "confirm")
        intro = (f"{pupil_name} was away on leave that was refused. These are the sessions"
                 f" that have happened so far. {changes} will be marked G (leave not"
                 " authorised, unauthorised absence; it counts towards a penalty notice).")
        if confirm:
            one = confirm == 1
            intro += (f" {confirm} already {'has' if one else 'have'} a recorded reason and"
                      f" {'stays as it is' if one else 'stay as they are'}"
                      + ((" unless you tick it." if one else " unless you tick them.")
                         if may_confirm
                         else ": only the headteacher can replace a recorded reason."))
        self.ui.intro.setText(intro)
        self.ui.table.setRowCount(len(self.plan))
        header = self.ui.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        grey = QBrush(theme.colour("muted"))
        for row, c in enumerate(self.plan):
            when = QTableWidgetItem(rules.slot_text(c.day, c.session))
            stays = c.action == "keep" or (c.action == "confirm" and not may_confirm)
            change = QTableWidgetItem(f"{c.old_code} stays" if stays
                                      else f"{c.old_code or 'no mark'} → G")
            change.setToolTip(f"Now: {_code_text(c.old_code)}. G: leave of absence not"
                              " authorised by the school (unauthorised).")
            what = QTableWidgetItem(
                ACTION_TEXT[c.action] + (f" ({c.why})" if c.why else "") if may_confirm
                or c.action != "confirm" else "Recorded reason: stays (only the headteacher"
                " can replace it with G)")
            if c.action == "confirm":
                flags = Qt.ItemFlag.ItemIsUserCheckable
                if may_confirm:
                    flags |= Qt.ItemFlag.ItemIsEnabled
                what.setFlags(flags | Qt.ItemFlag.ItemIsSelectable)
                what.setCheckState(Qt.CheckState.Unchecked)
            elif c.action == "keep":
                for item in (when, change, what):
                    item.setForeground(grey)
            for col, item in enumerate((when, change, what)):
                self.ui.table.setItem(row, col, item)
        self.ui.table.itemChanged.connect(self._update)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.apply_button.clicked.connect(self.apply)
        self._update()

    def confirmed(self) -> list[tuple[dt.date, str]]:
        out = []
        for row, c in enumerate(self.plan):
            item = self.ui.table.item(row, 2)
            if c.action == "confirm" and item.checkState() == Qt.CheckState.Checked:
                out.append((c.day, c.session))
        return out

    def rows_text(self) -> list[str]:
        """Each row as read aloud: 'Mon 17 Nov AM: I → G (…)'."""
        return [f"{self.ui.table.item(r, 0).text()}: {self.ui.table.item(r, 1).text()}"
                f" — {self.ui.table.item(r, 2).text()}" for r in range(self.ui.table.rowCount())]

    @Slot()
    def _update(self) -> None:
        n = sum(1 for c in self.plan if c.action == "change") + len(self.confirmed())
        self.ui.apply_button.setText(f"&Mark {n} session{'s' if n != 1 else ''} G")
        self.ui.apply_button.setEnabled(n > 0)

    @Slot()
    def apply(self) -> None:
        try:
            self.outcome = leave_decisions.mark_taken_unauthorised(
                self.ctx.engine, self.ctx.actor, self.request_id, now=self.ctx.now(),
                confirmed=self.confirmed())
        except ServiceError as exc:
            self.ui.message.show_error(f"Not marked: {exc}")
            return
        self.accept()
