"""The first-start offer to move a school from an old per-user folder (real files)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox

from attendance_desktop.config import locations as loc
from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.gui.setup.legacy_data_dialog import LegacyDataDialog, offer_legacy_data
from tests.config.test_legacy_data import counts, make_school
from tests.gui.conftest import save_screenshot

NOW = dt.datetime(2026, 1, 12, 8, 30)


@pytest.fixture
def old(tmp_path: Path) -> Path:
    folder = tmp_path / "old-account-folder"
    make_school(folder, pupils=5, staff=2)
    return folder


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    return tmp_path / "ProgramData" / "AttendanceDesktop"


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(
            lambda _parent, _title, text, *a, _k=kind: shown.append((_k, text))))
    return shown


def dialog_for(qtbot, old: Path, shared: Path) -> LegacyDataDialog:  # type: ignore[no-untyped-def]
    found = loc.find_legacy_data(shared, legacy_dir=old)
    assert found is not None
    in_use = loc.database_counts(shared / loc.DB_FILE)
    dialog = LegacyDataDialog(found, shared, in_use, clock=lambda: NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_move_it_here(qtbot, old: Path, shared: Path,  # type: ignore[no-untyped-def]
                      messages: list[tuple[str, str]]) -> None:
    dialog = dialog_for(qtbot, old, shared)
    label_text = dialog.findChild(QLabel, "legacyText").text()
    assert "5 pupils and 2 staff" in label_text
    assert str(shared) in label_text
    assert dialog.move_button.isEnabled()
    save_screenshot(dialog, "legacy-data-offer")
    qtbot.mouseClick(dialog.move_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice == "moved"
    assert messages == [("information", messages[0][1])]
    assert messages[0][1].startswith("Moved 5 pupils and 2 staff")
    assert counts(shared) == (5, 2)
    assert (old / loc.MARKER_NAME).exists()
    assert QApplication.overrideCursor() is None


def test_not_now_changes_nothing(qtbot, old: Path, shared: Path,  # type: ignore[no-untyped-def]
                                 messages: list[tuple[str, str]]) -> None:
    dialog = dialog_for(qtbot, old, shared)
    qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.choice == "later"
    assert messages == []
    assert not (shared / loc.DB_FILE).exists()
    assert loc.find_legacy_data(shared, legacy_dir=old) is not None  # asked again next time


def test_never_ask(qtbot, old: Path, shared: Path,  # type: ignore[no-untyped-def]
                   messages: list[tuple[str, str]]) -> None:
    dialog = dialog_for(qtbot, old, shared)
    qtbot.mouseClick(dialog.never_button, Qt.MouseButton.LeftButton)
    assert dialog.choice == "never"
    assert messages == []
    assert loc.find_legacy_data(shared, legacy_dir=old) is None
    assert counts(old) == (5, 2)


def test_a_school_already_in_the_shared_folder_cannot_be_replaced(
        qtbot, old: Path, shared: Path,  # type: ignore[no-untyped-def]
        messages: list[tuple[str, str]]) -> None:
    make_school(shared, pupils=3)
    dialog = dialog_for(qtbot, old, shared)
    assert not dialog.move_button.isEnabled()
    label_text = dialog.findChild(QLabel, "legacyText").text()
    assert "already holds a school (3 pupils, 0 staff)" in label_text
    save_screenshot(dialog, "legacy-data-in-use")


def test_a_refused_move_is_a_plain_message_and_the_dialog_stays(
        qtbot, old: Path, shared: Path,  # type: ignore[no-untyped-def]
        messages: list[tuple[str, str]]) -> None:
    dialog = dialog_for(qtbot, old, shared)  # empty when asked ...
    make_school(shared, pupils=1)  # ... another account set up a pupil meanwhile
    qtbot.mouseClick(dialog.move_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.choice == "later"
    assert len(messages) == 1
    kind, text = messages[0]
    assert kind == "warning"
    assert "already holds a school (1 pupils, 0 staff)" in text
    assert counts(shared) == (1, 0)
    assert not (old / loc.MARKER_NAME).exists()


def test_offer_at_start_up(qtbot, old: Path, shared: Path,  # type: ignore[no-untyped-def]
                           messages: list[tuple[str, str]]) -> None:
    paths = resolve_paths(shared, environ={})

    def click_not_now() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LegacyDataDialog)
        dialog.later_button.click()

    QTimer.singleShot(0, click_not_now)
    assert offer_legacy_data(paths, legacy_dir=old) == "later"
    # Nothing to ask: no old folder, or it was dismissed.
    assert offer_legacy_data(paths, legacy_dir=old.parent / "none") is None
    loc.dismiss_legacy_data(old, shared, NOW)
    assert offer_legacy_data(paths, legacy_dir=old) is None
