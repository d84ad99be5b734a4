"""One shortcut per action: with any page shown, no key (nor Alt+letter mnemonic) reaches two
actions. Qt calls such a key ambiguous and runs neither (Ctrl+Shift+F was both the register's
Fill and the status bar's Fire roll)."""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QLabel, QTabBar, QWidget

from attendance_desktop.gui.main_window import AREAS, MainWindow
from attendance_desktop.services.context import AppContext
from tests.conftest import HEAD

_MNEMONIC = re.compile(r"&([^&\s])")


def _key(seq: QKeySequence) -> str:
    return seq.toString(QKeySequence.SequenceFormat.PortableText)


def active_shortcuts(window: QWidget) -> dict[str, list[str]]:
    """Every key sequence live in the window as shown, with what it triggers."""
    found: dict[str, list[str]] = defaultdict(list)

    def live(widget: QWidget) -> bool:
        return widget is window or widget.isVisibleTo(window)

    for widget in [window, *window.findChildren(QWidget)]:
        if not live(widget):
            continue
        name = widget.objectName() or type(widget).__name__
        for action in widget.actions():
            # A disabled action is counted too: enabling it later must not clash.
            for seq in action.shortcuts():
                if not seq.isEmpty():
                    found[_key(seq)].append(f"{name}: action {action.text()!r}")
        if isinstance(widget, QAbstractButton) and not widget.shortcut().isEmpty():
            found[_key(widget.shortcut())].append(f"button {widget.text()!r}")
        if isinstance(widget, QLabel) and widget.buddy() is not None:
            match = _MNEMONIC.search(widget.text())
            if match:
                found[f"Alt+{match.group(1).upper()}"].append(f"label {widget.text()!r}")
        if isinstance(widget, QTabBar):
            for tab in range(widget.count()):
                match = _MNEMONIC.search(widget.tabText(tab))
                if match and widget.isTabEnabled(tab):
                    found[f"Alt+{match.group(1).upper()}"].append(
                        f"tab {widget.tabText(tab)!r}")
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        if shortcut.isEnabled() and isinstance(parent, QWidget) and live(parent):
            for seq in shortcut.keys():  # noqa: SIM118 (QShortcut, not a dict)
                found[_key(seq)].append(f"shortcut on {type(parent).__name__}")
    return found


def test_no_key_has_two_actions_on_any_page(qtbot, ctx):
    import datetime as dt

    from attendance_desktop.services.demo import demo_service

    demo_service.create_demo(ctx.engine, pupils=30, today=dt.date(2025, 11, 20))
    window = MainWindow(AppContext(paths=ctx.paths, engine=ctx.engine, actor=HEAD,
                                   clock=ctx.clock))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    problems = []
    for index, area in enumerate(AREAS):
        window.show_area(index)
        for key, users in sorted(active_shortcuts(window).items()):
            if len(users) > 1:
                problems.append(f"{area.label} page: {key} -> {users}")
    assert not problems, "\n".join(problems)


def test_the_walk_sees_a_duplicate(qtbot):
    """The check itself can fail: two buttons with one key are reported."""
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    box = QWidget()
    qtbot.addWidget(box)
    layout = QVBoxLayout(box)
    for text in ("&Fill", "&Fire roll"):
        layout.addWidget(QPushButton(text))
    box.show()
    assert len(active_shortcuts(box)["Alt+F"]) == 2
