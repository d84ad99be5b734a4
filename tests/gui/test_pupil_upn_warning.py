"""The pupil editor: a UPN from a new council or a temporary UPN is saved, with a warning
shown under the field; a wrong check letter is refused."""

from __future__ import annotations

from PySide6.QtCore import QDate

from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.gui.pupils.pupil_dialogs import PupilEditDialog
from attendance_desktop.services.pupils import pupil_service
from tests.gui.conftest import save_screenshot

OFFICE = Actor("Oli Office", Role.OFFICE, staff_id=2)


def _dialog(qtbot, ctx) -> PupilEditDialog:
    ctx.actor = OFFICE
    dialog = PupilEditDialog(ctx, [])
    qtbot.addWidget(dialog)
    dialog.ui.forename.setText("Ivy")
    dialog.ui.surname.setText("Example")
    dialog.ui.dob.setDate(QDate(2019, 5, 6))
    dialog.ui.year.setCurrentIndex(dialog.ui.year.findData("1"))
    return dialog


def test_new_council_upn_saves_with_no_warning(qtbot, ctx) -> None:
    dialog = _dialog(qtbot, ctx)
    upn = with_check_letter("943200125001")  # Westmorland and Furness, from April 2023
    dialog.ui.upn.setText(upn)
    assert dialog.ui.upn_warning.isHidden()
    dialog._save()
    assert dialog.saved_id is not None
    assert pupil_service.get_pupil(ctx.engine, dialog.saved_id).data.upn == upn


def test_unknown_la_and_temporary_upn_are_shown_and_saved(qtbot, ctx) -> None:
    dialog = _dialog(qtbot, ctx)
    dialog.show()
    dialog.ui.upn.setText(with_check_letter("99920012500A"))
    assert not dialog.ui.upn_warning.isHidden()
    text = dialog.ui.upn_warning.text()
    assert "temporary UPN" in text
    assert "(999) are not on the DfE's list" in text
    save_screenshot(dialog, "pupil_upn_warning")
    dialog._save()
    assert dialog.saved_id is not None
    dialog.ui.upn.setText("")
    assert dialog.ui.upn_warning.isHidden()


def test_wrong_check_letter_is_refused(qtbot, ctx) -> None:
    dialog = _dialog(qtbot, ctx)
    good = with_check_letter("838200125001")
    dialog.ui.upn.setText(("A" if good[0] != "A" else "B") + good[1:])
    dialog._save()
    assert dialog.saved_id is None
    assert "check letter does not match" in dialog.ui.message.text()
    assert pupil_service.list_pupils(ctx.engine) == []
