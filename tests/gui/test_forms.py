"""The Designer forms in ui/ open in Qt's own form loader (what Designer uses), and the
modules built on them hold no inline style sheets (the look is the app stylesheet's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QFile, QIODevice
from PySide6.QtUiTools import QUiLoader

ROOT = Path(__file__).resolve().parents[2]
FORMS = sorted((ROOT / "ui").rglob("*.ui"))
GUI = ROOT / "attendance_desktop" / "gui"
CONVERTED = [
    *sorted((GUI / "settings").glob("*.py")),
    *sorted((GUI / "setup").glob("*.py")),
    *sorted((GUI / "mail").glob("*.py")),
    GUI / "login_dialog.py", GUI / "about_dialog.py", GUI / "help_dialog.py",
    GUI / "error_dialog.py",
]


@pytest.mark.parametrize("form", FORMS, ids=lambda p: p.relative_to(ROOT).as_posix())
@pytest.mark.slow
def test_each_form_loads_in_qt_form_builder(qapp, form: Path) -> None:
    loader = QUiLoader()
    f = QFile(str(form))
    assert f.open(QIODevice.OpenModeFlag.ReadOnly)
    try:
        widget = loader.load(f)
    finally:
        f.close()
    assert widget is not None, loader.errorString()
    assert not loader.errorString()
    assert widget.objectName()
    # Every form is held by a Python class somewhere in gui/ (no orphan .ui files).
    ui_class = "Ui_" + re.search(r"<class>(\w+)</class>", form.read_text(encoding="utf-8"))[1]
    assert any(ui_class in p.read_text(encoding="utf-8") for p in GUI.rglob("*.py")
               if "generated" not in p.parts), f"{form.name}: {ui_class} is not used"
    widget.deleteLater()


def test_there_are_forms_for_the_settings_the_wizard_and_the_dialogs() -> None:
    folders = {p.parent.name for p in FORMS}
    assert {"settings", "setup", "common", "mail"} <= folders


@pytest.mark.parametrize("module", CONVERTED, ids=lambda p: p.relative_to(GUI).as_posix())
def test_forms_set_no_inline_style_sheets(module: Path) -> None:
    text = module.read_text(encoding="utf-8")
    assert "setStyleSheet(" not in text, f"{module.name}: give the widget a role property"


def test_message_label_looks_come_from_its_role(qapp) -> None:
    from attendance_desktop.gui.common import MessageLabel

    label = MessageLabel("m")
    label.show_error("Wrong")
    assert label.property("role") == "error"
    assert label.styleSheet() == ""
    label.show_ok("Saved")
    assert label.property("role") == "ok"
    assert label.text() == "Saved"
    label.clear_message()
    assert label.isHidden()
    # As uic builds it (parent first): the default name, still a message banner.
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    built = MessageLabel(parent)
    assert built.parent() is parent
    assert built.objectName() == "message"
    parent.deleteLater()
