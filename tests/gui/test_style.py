"""One look: colours only in gui/theme.py and resources/style.qss, a stylesheet that loads,
readable text in the dark palette, and icons in the navigation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLabel

from attendance_desktop.domain.codes import Category
from attendance_desktop.gui import theme

GUI = Path(theme.__file__).parent
HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?(?:[0-9a-fA-F]{2})?\b")
NAMED_QT_COLOURS = {"red", "green", "blue", "black", "white", "gray", "grey", "darkRed",
                    "darkGreen", "darkBlue", "lightGray", "darkGray", "yellow", "cyan",
                    "magenta", "darkYellow", "darkCyan", "darkMagenta"}


def style_problems(source: str) -> list[str]:
    """setStyleSheet calls, QColor built from a literal, Qt's named colours and hex colours
    in strings (HTML included), by line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name == "setStyleSheet":
                found.append(f"{node.lineno}: setStyleSheet")
            if name in ("QColor", "fromString", "fromRgb", "fromRgbF") and node.args and all(
                    isinstance(a, ast.Constant) for a in node.args):
                found.append(f"{node.lineno}: {name} from a literal")
        if isinstance(node, ast.Attribute) and node.attr in NAMED_QT_COLOURS \
                and isinstance(node.value, ast.Attribute) and node.value.attr == "GlobalColor":
            found.append(f"{node.lineno}: Qt.GlobalColor.{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and HEX.search(node.value) and ("color" in node.value or "background"
                                                in node.value or node.value.startswith("#")):
            found.append(f"{node.lineno}: colour in text {node.value[:40]!r}")
    return found


def test_the_checker_finds_each_kind_of_inline_colour() -> None:
    bad = '''
label.setStyleSheet("color: #555;")
red = QColor("#a00000")
grey = QColor(30, 90, 200)
item.setForeground(Qt.GlobalColor.red)
text = "<b style='color:#8a1c1c'>Severely absent</b>"
'''
    assert {int(p.split(":")[0]) for p in style_problems(bad)} == {2, 3, 4, 5, 6}
    good = '''
theme.set_role(label, "muted")
red = theme.colour("error")
mixed = QColor(a.red() // 2, a.green(), 0)
text = f"<b style='color:{red}'>Severely absent</b>"
fill = QColor(theme.AVATARS[0])
'''
    assert style_problems(good) == []


def test_no_colours_or_inline_styles_in_widget_code() -> None:
    problems = {}
    for path in sorted(GUI.rglob("*.py")):
        rel = path.relative_to(GUI).as_posix()
        if rel.startswith("generated/") or rel == "theme.py":
            continue
        found = style_problems(path.read_text(encoding="utf-8"))
        if found:
            problems[rel] = found
    assert not problems, ("colours belong in gui/theme.py and resources/style.qss: "
                          f"{problems}")


@pytest.mark.parametrize("dark", [False, True])
def test_the_app_stylesheet_loads_with_every_colour_named(qapp, dark: bool) -> None:
    source = theme.stylesheet_source()
    assert "QLabel[role=\"error\"]" in source
    assert "QWidget#kiosk" in source
    used = set(re.findall(r"@([a-z_]+)", re.sub(r"/\*.*?\*/", "", source, flags=re.S)))
    assert used
    assert used <= set(theme.NAMED), used - set(theme.NAMED)
    sheet = theme.stylesheet(dark)
    assert "@" not in sheet
    assert sheet.count("{") == sheet.count("}")
    for name in ("error", "muted", "cell_today"):
        assert theme.hex_colour(name, dark) in sheet.lower()


def _text_pairs(dark: bool) -> list[tuple[str, QColor, QColor]]:
    c = lambda name: theme.colour(name, dark)  # noqa: E731
    pairs = [(f"chip {cat.value}", c("cell_text"), c(f"cell_{cat.value}")) for cat in Category]
    pairs += [(f"chip {k}", c("cell_text"), c(f"cell_{k}"))
              for k in ("closed", "today", "missing", "empty", "off_roll")]
    pairs += [("today's header", c("cell_text"), c("cell_today")),
              ("leave chip", c("leave_text"), c("cell_empty")),
              ("N in the grid", c("needs_follow_up"), c("cell_unauthorised"))]
    for role in ("error", "warning", "ok", "muted", "info"):
        pairs.append((f"{role} text", c(role), c("window")))
        pairs.append((f"{role} on a table", c(role), c("base")))
    for role in ("error", "warning", "ok"):
        pairs.append((f"{role} banner", c(role), c(f"{role}_bg")))
    for tint in ("tint_pending", "tint_granted", "tint_refused", "tint_unauthorised",
                 "tint_urgent", "tint_soon", "tint_later", "tint_problem"):
        pairs.append((tint, c("window_text"), c(tint)))
    pairs += [("kiosk text", c("kiosk_text"), c("kiosk_backdrop")),
              ("kiosk button", c("kiosk_text"), c("kiosk_button")),
              ("kiosk hint", c("kiosk_hint"), c("kiosk_backdrop"))]
    return pairs


@pytest.mark.parametrize("dark", [False, True])
def test_named_text_colours_read_on_their_backgrounds(qapp, dark: bool) -> None:
    weak = [f"{what}: {theme.contrast(fg, bg):.2f}" for what, fg, bg in _text_pairs(dark)
            if theme.contrast(fg, bg) < 4.5]
    assert not weak, f"contrast under 4.5:1 ({'dark' if dark else 'light'}): {weak}"


def _rendered_contrast(image: QImage) -> float:
    """Contrast between a label's background (a corner inside its border) and the
    strongest text pixel drawn on it."""
    bg = QColor(image.pixel(3, image.height() // 2))
    best = 1.0
    for y in range(image.height()):
        for x in range(image.width()):
            best = max(best, theme.contrast(bg, QColor(image.pixel(x, y))))
    return best


def test_legend_chips_and_todays_header_read_in_the_dark_palette(qtbot, qapp, request, ctx,
                                                                  school_year) -> None:
    from attendance_desktop.gui.register.register_widget import RegisterWidget
    from attendance_desktop.gui.serial_worker import wait_idle
    from attendance_desktop.services.context import AppContext
    from tests.conftest import HEAD

    theme.apply_theme(qapp, "dark")
    request.addfinalizer(lambda: theme.apply_theme(qapp, "light"))
    page = RegisterWidget(AppContext(paths=ctx.paths, engine=ctx.engine, actor=HEAD,
                                     clock=ctx.clock))
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)
    assert wait_idle(30)  # the grid is read on the serial worker
    chips = page.legend_chips
    assert len(chips) == 9
    for chip in chips:
        ratio = _rendered_contrast(chip.grab().toImage())
        assert ratio >= 4.5, f"legend chip {chip.text()!r}: {ratio:.2f}"
    # the chips really take the dark palette's cell colours (not the light ones)
    present = next(c for c in chips if c.property("chip") == "present")
    corner = QColor(present.grab().toImage().pixel(3, 3))
    assert corner.name() == theme.hex_colour("cell_present", True)
    # today's column header: the grid's text on the today tint
    from PySide6.QtCore import Qt

    model = page.model
    today = next(i for i, c in enumerate(model.snap.columns) if c.day == ctx.today())
    bg = model.headerData(today, Qt.Orientation.Horizontal, Qt.ItemDataRole.BackgroundRole)
    fg = model.headerData(today, Qt.Orientation.Horizontal, Qt.ItemDataRole.ForegroundRole)
    assert theme.contrast(fg.color(), bg.color()) >= 4.5
    assert bg.color().lightness() < 128  # the dark tint, not the light one


def test_navigation_has_an_icon_per_area(qtbot, ctx) -> None:
    from attendance_desktop.gui.main_window import AREAS, MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert window.nav.count() == len(AREAS)
    for row in range(window.nav.count()):
        icon = window.nav.item(row).icon()
        assert not icon.isNull(), window.nav.item(row).text()
        assert not icon.pixmap(20, 20).toImage().isNull()


def test_roles_change_the_look(qtbot) -> None:
    label = QLabel("Saved")
    qtbot.addWidget(label)
    theme.set_role(label, "ok")
    label.show()
    ok = label.palette().color(label.foregroundRole())
    theme.set_role(label, "error")
    label.ensurePolished()
    error = label.palette().color(label.foregroundRole())
    assert ok != error
    assert error.name() == theme.hex_colour("error")


def test_view_menu_switches_to_dark_and_remembers(qtbot, qapp, request, ctx,
                                                  monkeypatch) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QPalette

    from attendance_desktop.gui.main_window import MainWindow

    monkeypatch.delenv(theme.ENV, raising=False)
    request.addfinalizer(lambda: theme.apply_theme(qapp, "light"))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    colours = view.actions()[0].menu()
    dark = next(a for a in colours.actions() if a.text() == "Dark")
    dark.trigger()
    assert theme.is_dark()
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert QSettings().value(theme.SETTING) == "dark"
    assert theme.chosen_theme() == "dark"


@pytest.mark.parametrize("dark", [False, True])
def test_an_unticked_box_shows_its_outline(qtbot, qapp, request, dark: bool) -> None:
    # Fusion draws a tick box's outline from the window colour; in the dark palette the
    # unticked box vanished (1.2:1). Its darkest-or-lightest edge pixel must read 3:1
    # against the box's own base (WCAG non-text contrast).
    from PySide6.QtWidgets import QCheckBox

    theme.apply_theme(qapp, "dark" if dark else "light")
    request.addfinalizer(lambda: theme.apply_theme(qapp, "light"))
    box = QCheckBox("Free school meals")
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    image = box.grab().toImage()
    base = theme.colour("base", dark)
    height = image.height()
    # the indicator sits at the left, vertically centred: scan its square for the outline
    best = max(theme.contrast(QColor(image.pixel(x, y)), base)
               for x in range(0, min(20, image.width())) for y in range(height))
    assert best >= 3.0, f"unticked box outline {best:.2f}:1 on {base.name()}"
