"""Cell colours by statistical category (shared by the grid, legend and code picker)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from attendance_desktop.domain.codes import Category

CATEGORY_COLOURS: dict[Category, QColor] = {
    Category.PRESENT: QColor("#d4efd4"),
    Category.APPROVED: QColor("#cfe2f7"),
    Category.AUTHORISED: QColor("#fde9b0"),
    Category.UNAUTHORISED: QColor("#f6c1c1"),
    Category.NOT_COUNTED: QColor("#e2e2e2"),
}
CLOSED_COLOUR = QColor("#bdbdbd")  # closure session with no mark
OFF_ROLL_COLOUR = QColor("#f3f3f3")
TODAY_COLOUR = QColor("#fff6c8")  # today's empty cells
MISSING_COLOUR = QColor("#fbe3ec")  # register closed and still no mark
EMPTY_COLOUR = QColor("#ffffff")
NEEDS_FOLLOW_UP = QColor("#c62828")  # N text colour: still to chase
LEAVE_TEXT_COLOUR = QColor("#4a2c8a")  # leave prefilled from a granted request

LEGEND = [
    (Category.PRESENT, "Present", "Present: / \\ L"),
    (Category.APPROVED, "Approved activity", "Approved educational activity: B K P V W"),
    (Category.AUTHORISED, "Authorised", "Authorised absence: C C1 C2 E I J1 M R S T"),
    (Category.UNAUTHORISED, "Unauthorised", "Unauthorised absence: G N O U"),
    (Category.NOT_COUNTED, "Not counted", "Not a possible session: D Q X Y1–Y7 Z #"),
]
