"""What the school fills in on a leave request, and the policy's checks, for one request."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain import leave as rules
from attendance_desktop.gui import theme
from attendance_desktop.services.leave.leave_records import Preview

_COLOURS = {rules.PASS: "ok", rules.WARN: "warning", rules.INFO: "info"}  # gui/theme.py
_WORDS = {rules.PASS: "OK", rules.WARN: "Check", rules.INFO: "Note"}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _n(count: int) -> str:
    return f"{count} session" + ("" if count == 1 else "s")


def checks_html(preview: Preview) -> str:
    rows, muted = [], theme.hex_colour("muted")
    for c in preview.checks:
        colour = theme.hex_colour(_COLOURS[c.status])
        rows.append(
            f"<tr><td style='color:{colour}; font-weight:bold; padding-right:6px'>"
            f"{c.symbol}&nbsp;{_WORDS[c.status]}</td>"
            f"<td><b>{html.escape(c.title)}</b><br>{html.escape(c.text)}</td></tr>")
    return ("<table cellspacing='0' cellpadding='3'>" + "".join(rows) + "</table>"
            f"<p style='color:{muted}'><i>The checks advise; the headteacher decides.</i></p>")


class FiguresWidget(QWidget):
    """Two boxes: the pupil's figures (as the request form asks) and the checks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        figures = QGroupBox("Filled in by the school")
        form = QFormLayout(figures)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.attendance = self._value("Current attendance")
        self.authorised = self._value("Authorised absence")
        self.unauthorised = self._value("Unauthorised absence")
        self.sessions = self._value("School sessions asked for")
        self.earlier = self._value("Earlier requests")
        self.earlier.setWordWrap(True)
        form.addRow("Attendance this year:", self.attendance)
        form.addRow("Authorised absence:", self.authorised)
        form.addRow("Unauthorised absence:", self.unauthorised)
        form.addRow("Sessions asked for:", self.sessions)
        form.addRow("Earlier requests:", self.earlier)
        layout.addWidget(figures)
        box = QGroupBox("The policy's checks")
        inner = QVBoxLayout(box)
        # A text browser, not a label: a rich-text table in a word-wrapped QLabel is
        # measured wrongly and cut off; this one also scrolls when the checks are long.
        self.checks = QTextBrowser()
        self.checks.setObjectName("leaveChecks")
        self.checks.setAccessibleName("Policy checks")
        self.checks.setFrameShape(QFrame.Shape.NoFrame)
        theme.set_role(self.checks, "plain")
        self.checks.setOpenLinks(False)
        inner.addWidget(self.checks)
        layout.addWidget(box, 1)
        self.clear("Choose a pupil and dates to see the figures and checks.")

    def _value(self, name: str) -> QLabel:
        label = QLabel("—")
        label.setAccessibleName(name)
        label.setObjectName(name.replace(" ", "_").lower())
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def clear(self, why: str) -> None:
        for label in (self.attendance, self.authorised, self.unauthorised, self.sessions,
                      self.earlier):
            label.setText("—")
        self.checks.setHtml(f"<i>{html.escape(why)}</i>")

    def show_preview(self, p: Preview) -> None:
        rec = p.record
        since = f"since {p.since:%d %b %Y}, {rec.possible} sessions"
        self.attendance.setText(f"<b>{_pct(rec.attendance_pct())}</b> ({since})")
        self.authorised.setText(f"{_pct(rec.authorised_pct())} ({_n(rec.authorised)})")
        if rec.unauthorised:
            amber = theme.hex_colour("warning")
            self.unauthorised.setText(f"<span style='color:{amber}'><b>{_n(rec.unauthorised)}"
                                      f"</b> ({_pct(rec.unauthorised_pct())})</span>")
        else:
            self.unauthorised.setText("None")
        days = p.sessions_asked / 2
        self.sessions.setText(f"<b>{p.sessions_asked}</b> ({days:g} school days; weekends,"
                              " holidays and closures left out)")
        self.earlier.setText("<br>".join(html.escape(e.text) for e in p.earlier) or "None")
        self.checks.setHtml(checks_html(p))
