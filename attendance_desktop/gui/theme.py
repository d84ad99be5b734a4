"""The one look: the palette (light or dark), the app stylesheet and the named colours.

Every colour the app uses is named here, once for a light and once for a dark palette.
Widgets never spell a colour: labels and frames take a dynamic property
(`set_role(label, "error")`) that resources/style.qss styles, and the few places that
paint (the register grid, the calendar of marks, charts, the kiosk avatars, tables'
row tints) ask `colour("name")`. The stylesheet names colours as `@name`, filled in from
the same tables when the theme is applied, so a dark palette changes everything at once.

The theme is light, dark, or "system" (the desktop's colour scheme); the choice is kept
in QSettings under `appearance/theme`, and ATTENDANCE_DESKTOP_THEME overrides it (for
screenshots and for a user who wants it fixed on one machine).
"""

from __future__ import annotations

import os
import re

from PySide6.QtCore import QFile, QIODevice, QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

THEMES = ("system", "light", "dark")
THEME_LABELS = {"system": "As the computer (light or dark)", "light": "Light", "dark": "Dark"}
SETTING = "appearance/theme"
ENV = "ATTENDANCE_DESKTOP_THEME"

# name: (light, dark). Text colours reach 4.5:1 on their background in both (tested).
NAMED: dict[str, tuple[str, str]] = {
    # Window and text (the palette is built from these)
    "window": ("#f4f5f7", "#202327"),
    "window_text": ("#1b1f24", "#e8eaed"),
    "base": ("#ffffff", "#181a1d"),
    "alternate_base": ("#eef1f4", "#24282d"),
    "button": ("#e9ecef", "#2c3036"),
    "mid": ("#b8bec6", "#4a5058"),
    "highlight": ("#1f5fbf", "#3b7dd8"),
    "highlighted_text": ("#ffffff", "#ffffff"),
    "link": ("#0b57b0", "#8ab4f8"),
    "tooltip_base": ("#fffbe6", "#33373d"),
    "disabled_text": ("#8a9199", "#7d848c"),
    # Messages: text and the tinted banner behind it
    "muted": ("#555b62", "#aeb4bb"),
    "error": ("#a40e26", "#ff8f8f"),
    "warning": ("#7a4b00", "#f2c46d"),
    "ok": ("#1e6b2c", "#86d69a"),
    "info": ("#2f4f7f", "#9cc0f0"),
    "error_bg": ("#fdecea", "#4a2225"),
    "error_border": ("#e6b0aa", "#8a3b40"),
    "warning_bg": ("#fff4d6", "#453712"),
    "warning_border": ("#e8c766", "#8a6d22"),
    "ok_bg": ("#e8f5e9", "#1f3b25"),
    "ok_border": ("#a5d6a7", "#3f7a4b"),
    "frame": ("#bbbbbb", "#555b62"),
    "preview_backdrop": ("#d9dde2", "#2a2e33"),
    # The register grid (pastel cells with dark text; deep cells with light text)
    "cell_present": ("#d4efd4", "#24502c"),
    "cell_approved": ("#cfe2f7", "#1f4268"),
    "cell_authorised": ("#fde9b0", "#5e4a12"),
    "cell_unauthorised": ("#f6c1c1", "#6a2424"),
    "cell_not_counted": ("#e2e2e2", "#44484d"),
    "cell_closed": ("#bdbdbd", "#55595e"),
    "cell_off_roll": ("#f3f3f3", "#26292d"),
    "cell_today": ("#fff6c8", "#48401a"),
    "cell_missing": ("#fbe3ec", "#55243a"),
    "cell_empty": ("#ffffff", "#1b1d20"),
    "cell_text": ("#1a1a1a", "#f1f3f5"),
    "needs_follow_up": ("#a31515", "#ff9a94"),
    "leave_text": ("#4a2c8a", "#cdb8ff"),
    "comment_mark": ("#5b3fa0", "#b59cff"),
    "current_cell": ("#1e5ac8", "#78aaff"),
    "selection_tint": ("#371e5ac8", "#4078aaff"),  # #AARRGGBB: see-through
    # The calendar of marks (solid blocks)
    "cal_present": ("#5cb85c", "#3f9a4a"),
    "cal_approved": ("#5b9bd5", "#4a86c0"),
    "cal_authorised": ("#f0c23b", "#c9a02a"),
    "cal_unauthorised": ("#d9534f", "#d0504a"),
    "cal_not_counted": ("#b0b0b0", "#6e7378"),
    "cal_late": ("#f08a24", "#e0801f"),
    "cal_unmarked": ("#ffffff", "#454b53"),
    "cal_closed": ("#ececec", "#34383c"),
    "cal_future": ("#f8f8f8", "#1f2225"),
    "cal_line": ("#dddddd", "#3c4046"),
    "cal_label": ("#6b7178", "#a3a9b0"),
    # Row tints in tables (status of a leave request, urgency on the trackers board)
    "tint_pending": ("#fff4d6", "#453712"),
    "tint_granted": ("#e8f5e9", "#1f3b25"),
    "tint_refused": ("#fdecea", "#4a2225"),
    "tint_unauthorised": ("#f6c1c1", "#5a2020"),
    "tint_neutral": ("#eeeeee", "#2e3136"),
    "tint_urgent": ("#f6c4c4", "#5a2020"),
    "tint_soon": ("#fbe0c2", "#4d3418"),
    "tint_later": ("#fff6cc", "#423a17"),
    "tint_problem": ("#f9d6d5", "#5a2427"),
    # Kiosk
    "kiosk_backdrop": ("#eef3f8", "#1c232b"),
    "kiosk_text": ("#1b2733", "#e6edf3"),
    "kiosk_hint": ("#3d4f61", "#b3c2d1"),
    "kiosk_button": ("#ffffff", "#2a333d"),
    "kiosk_border": ("#9fb3c8", "#5b7088"),
    "kiosk_soft_border": ("#c9d6e2", "#3d4b5a"),
    "kiosk_pressed": ("#d3e3f3", "#34485e"),
    "kiosk_accent": ("#1f6feb", "#4c8df6"),
    "kiosk_go": ("#1a7f37", "#2a9a4b"),
    "on_accent": ("#ffffff", "#ffffff"),
}

# Pupil avatars in the kiosk: strong colours with white initials (same in both palettes).
AVATARS = ("#1f6feb", "#8250df", "#bf3989", "#cf222e", "#bc4c00", "#1a7f37", "#0969da",
           "#6639ba")

# Charts: Okabe and Ito's colour-blind-safe set, brightened for dark palettes.
CHART_SERIES = {
    False: ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
            "#8C6D31", "#7F7F7F", "#B8860B"),
    True: ("#56B4E9", "#FF8C42", "#33D1A0", "#E89AC7", "#F0C24B", "#9AD0F5", "#FFFFFF",
           "#D9B26F", "#BFBFBF", "#F5DE8C"),
}
CHART_CATEGORIES = {
    False: {"present": "#009E73", "approved": "#56B4E9", "authorised": "#E69F00",
            "unauthorised": "#D55E00", "not_counted": "#BBBBBB"},
    True: {"present": "#33D1A0", "approved": "#9AD0F5", "authorised": "#F0C24B",
           "unauthorised": "#FF8C42", "not_counted": "#666666"},
}
CHART_TARGET = {False: "#555555", True: "#B0B0B0"}
BLACK = QColor(0, 0, 0)
WHITE = QColor(255, 255, 255)
TRANSPARENT = QColor(0, 0, 0, 0)

_state: dict[str, bool | None] = {"dark": None}
_TOKEN = re.compile(r"@([a-z_]+)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def chosen_theme() -> str:
    """light, dark or system: the environment variable, else the saved setting."""
    name = (os.environ.get(ENV) or str(QSettings().value(SETTING, "system"))).strip().lower()
    return name if name in THEMES else "system"


def save_theme(name: str) -> None:
    QSettings().setValue(SETTING, name if name in THEMES else "system")


def system_is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    hints = QGuiApplication.styleHints()
    return bool(hints.colorScheme() == Qt.ColorScheme.Dark)


def is_dark() -> bool:
    """The palette in use: as applied, else read from the application's palette."""
    if _state["dark"] is not None:
        return bool(_state["dark"])
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def colour(name: str, dark: bool | None = None) -> QColor:
    """A named colour for the palette in use (or the one asked for)."""
    light_value, dark_value = NAMED[name]
    return QColor(dark_value if (is_dark() if dark is None else dark) else light_value)


def hex_colour(name: str, dark: bool | None = None) -> str:
    """As `colour`, as #rrggbb text for rich text (a label's HTML)."""
    return colour(name, dark).name()


def palette(dark: bool) -> QPalette:
    c = {name: QColor(pair[1] if dark else pair[0]) for name, pair in NAMED.items()}
    p = QPalette()
    role = QPalette.ColorRole
    for r, name in ((role.Window, "window"), (role.WindowText, "window_text"),
                    (role.Base, "base"), (role.AlternateBase, "alternate_base"),
                    (role.Text, "window_text"), (role.Button, "button"),
                    (role.ButtonText, "window_text"), (role.Mid, "mid"),
                    (role.Highlight, "highlight"), (role.HighlightedText, "highlighted_text"),
                    (role.Link, "link"), (role.LinkVisited, "link"),
                    (role.ToolTipBase, "tooltip_base"), (role.ToolTipText, "window_text"),
                    (role.PlaceholderText, "muted"), (role.BrightText, "on_accent")):
        p.setColor(r, c[name])
    base = c["button"]
    p.setColor(role.Light, base.lighter(135))
    p.setColor(role.Midlight, base.lighter(115))
    p.setColor(role.Dark, base.darker(160))
    p.setColor(role.Shadow, base.darker(300))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, c["disabled_text"])
    return p


def stylesheet_source() -> str:
    """resources/style.qss as compiled into the app (generated/resources_rc.py)."""
    import attendance_desktop.gui.generated.resources_rc  # noqa: F401  (registers :/)

    f = QFile(":/style.qss")
    if not f.open(QIODevice.OpenModeFlag.ReadOnly | QIODevice.OpenModeFlag.Text):
        raise RuntimeError("the app stylesheet :/style.qss is missing from the resources")
    try:
        return bytes(f.readAll().data()).decode("utf-8")
    finally:
        f.close()


def stylesheet(dark: bool) -> str:
    """The stylesheet with every @name replaced by that colour for the palette."""
    def fill(m: re.Match[str]) -> str:
        light_value, dark_value = NAMED[m.group(1)]
        return dark_value if dark else light_value
    return _TOKEN.sub(fill, _COMMENT.sub("", stylesheet_source()))


def apply_theme(app: QApplication, name: str | None = None) -> bool:
    """Fusion style, the palette and the stylesheet on the whole app; True when dark."""
    choice = name or chosen_theme()
    dark = system_is_dark() if choice == "system" else choice == "dark"
    app.setStyle("Fusion")  # the same look (and palette support) on every platform
    app.setPalette(palette(dark))
    # Fusion outlines a tick box in the window colour darkened by 140: against the box's
    # base that is 1.2:1 in the dark palette (the unticked box all but vanishes) and 2.2:1
    # in the light one. Tick boxes get a "window" (used for nothing else on them) whose
    # darkened shade is a grey that reads at least 3:1 on the box (tests/gui/test_style.py).
    boxes = palette(dark)
    outline = QColor(NAMED["disabled_text"][1] if dark else NAMED["muted"][0])
    boxes.setColor(QPalette.ColorRole.Window, outline.lighter(140))
    for kind in ("QCheckBox", "QRadioButton"):
        app.setPalette(boxes, kind)
    app.setStyleSheet(stylesheet(dark))
    _state["dark"] = dark
    return dark


def set_role(widget: QWidget, role: str) -> None:
    """Give a widget a role the stylesheet styles (error, warning, ok, muted, ...)."""
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    def lum(c: QColor) -> float:
        def ch(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on the background."""
    return BLACK if contrast(BLACK, background) >= contrast(WHITE, background) else WHITE


ICON_STROKE = "#4f86c6"  # the colour the icons in resources/icons/ are drawn in


def icon(name: str) -> QIcon:
    """One of our icons in resources/icons/ (navigation and main actions); drawn in the
    highlighted text colour when its row or button is selected."""
    import attendance_desktop.gui.generated.resources_rc  # noqa: F401  (registers :/)

    path = f":/icons/{name}.svg"
    result = QIcon(path)
    f = QFile(path)
    if f.open(QIODevice.OpenModeFlag.ReadOnly):
        svg = bytes(f.readAll().data()).replace(
            ICON_STROKE.encode(), hex_colour("highlighted_text").encode())
        f.close()
        for size in (16, 20, 24, 32):
            selected = QPixmap()
            if selected.loadFromData(svg.replace(b'width="24" height="24"',
                                                 f'width="{size}" height="{size}"'.encode()),
                                     "SVG"):
                result.addPixmap(selected, QIcon.Mode.Selected)
    return result


def ensure_applied() -> None:
    """Apply the theme once, when the first of our windows is built (sign-in, main, kiosk)."""
    app = QApplication.instance()
    if _state["dark"] is None and isinstance(app, QApplication):
        apply_theme(app)
