"""Cell colours by statistical category (shared by the grid, legend and code picker).

The colours themselves are named in gui/theme.py (cell_*), light and dark; the grid asks
for its brushes each time it paints, so a change of palette shows at once."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QBrush, QColor

from attendance_desktop.domain.codes import Category
from attendance_desktop.gui import theme


def category_colour(category: Category) -> QColor:
    return theme.colour(f"cell_{category.value}")


@dataclass(frozen=True, slots=True)
class GridBrushes:
    categories: dict[Category, QBrush]
    closed: QBrush  # closure session with no mark
    off_roll: QBrush
    today: QBrush  # today's empty cells
    missing: QBrush  # register closed and still no mark
    empty: QBrush
    needs_follow_up: QBrush  # N text colour: still to chase
    leave_text: QBrush  # leave prefilled from a granted request
    text: QBrush


_cache: dict[bool, GridBrushes] = {}


def grid_brushes() -> GridBrushes:
    """The grid's brushes for the palette in use (built once per palette)."""
    dark = theme.is_dark()
    found = _cache.get(dark)
    if found is None:
        def b(name: str) -> QBrush:
            return QBrush(theme.colour(name, dark))
        found = _cache[dark] = GridBrushes(
            {c: b(f"cell_{c.value}") for c in Category}, b("cell_closed"), b("cell_off_roll"),
            b("cell_today"), b("cell_missing"), b("cell_empty"), b("needs_follow_up"),
            b("leave_text"), b("cell_text"))
    return found


LEGEND = [
    (Category.PRESENT, "Present", "Present: / \\ L"),
    (Category.APPROVED, "Approved activity", "Approved educational activity: B K P V W"),
    (Category.AUTHORISED, "Authorised", "Authorised absence: C C1 C2 E I J1 M R S T"),
    (Category.UNAUTHORISED, "Unauthorised", "Unauthorised absence: G N O U"),
    (Category.NOT_COUNTED, "Not counted", "Not a possible session: D Q X Y1–Y7 Z #"),
]
