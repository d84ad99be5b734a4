"""The pupil import screen lists UPN warnings (unknown LA number, temporary UPN) and still
lets the file import: a warning is never a refusal."""

from __future__ import annotations

from attendance_desktop.domain import upn
from attendance_desktop.gui.setup.pupil_import_widget import PupilImportWidget
from attendance_desktop.services.pupils import pupil_service
from tests.conftest import HEAD


def test_warnings_are_listed_and_the_file_still_imports(qtbot, ctx, tmp_path):
    ctx.actor = HEAD
    unknown_la = upn.with_check_letter("999201400123")
    new_council = upn.with_check_letter("942201400124")
    path = tmp_path / "pupils.csv"
    path.write_text("UPN,Forename,Surname,DOB,Year\n"
                    f"{unknown_la},Zoë,O'Neill,01/05/2017,3\n"
                    f"{new_council},Łucja,Wróbel,02/06/2018,2\n", encoding="utf-8")
    widget = PupilImportWidget(ctx)
    qtbot.addWidget(widget)
    widget.load_file(path)
    items = [widget.problem_list.item(i).text() for i in range(widget.problem_list.count())]
    assert len(items) == 1
    assert items[0].startswith("Warning: row 2")
    assert "999" in items[0]
    assert widget.problem_list.isVisibleTo(widget)
    assert "1 warning listed below" in widget.summary.text()
    assert widget.import_button.isEnabled()
    with qtbot.waitSignal(widget.imported, timeout=20_000) as done:
        widget.import_button.click()
    assert done.args == [2, 0]
    names = sorted(p.name for p in pupil_service.list_pupils(ctx.engine))
    assert names == ["Zoë O'Neill", "Łucja Wróbel"]
