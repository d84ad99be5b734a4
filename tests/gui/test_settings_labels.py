"""Settings and the change log speak in labels, never internal keys or stored JSON."""

from __future__ import annotations

import dataclasses
import re

from PySide6.QtWidgets import QLabel

from attendance_desktop.domain.policy import Band
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.gui.settings import labels
from attendance_desktop.gui.settings.policy_widget import PolicyEditor
from attendance_desktop.gui.settings.records_table import RecordsTable
from attendance_desktop.gui.settings.settings_widget import ChangeLogWidget
from attendance_desktop.services.school import policy_service

HEAD = Actor("Pat Head", Role.HEAD, staff_id=1)
RAW = re.compile(r"[\[\]{}\"]|\b[a-z]+_[a-z_]+\b|\b(true|false|null)\b")


def test_policy_changes_are_logged_in_words(qtbot, ctx) -> None:
    old = policy_service.load_policy(ctx.engine)
    bands = (*old.bands[:-1], dataclasses.replace(old.bands[-1], label="Red (under 80%)"))
    new = dataclasses.replace(
        old, bands=bands, kiosk_reasons=(*old.kiosk_reasons, ("Music lesson", "L")),
        leave_notice_unit="school_weeks", flag_signed_letter=True,
        band_letters=(("red", "concern_red"),), n_code_limit_school_days=7)
    changed = policy_service.save_policy(ctx.engine, HEAD, new)
    assert {"bands", "kiosk_reasons", "leave_notice_unit", "flag_signed_letter",
            "band_letters", "n_code_limit_school_days"} <= set(changed)
    log = ChangeLogWidget(ctx)
    assert wait_idle(10)  # the pages read on the serial worker
    qtbot.addWidget(log)
    rows = [[log.table.item(r, c).text() for c in range(6)] for r in range(log.table.rowCount())]
    by_setting = {r[2]: r for r in rows}
    assert by_setting["N code may stay for (school days)"][3:5] == ["5", "7"]
    assert by_setting[labels.policy_label("leave_notice_unit")][4] == "school weeks"
    assert "Music lesson → L" in by_setting[labels.policy_label("kiosk_reasons")][4]
    bands_row = by_setting[labels.policy_label("bands")]
    assert "Red (under 80%)" in bands_row[4]
    assert "From attendance % " in bands_row[4]
    assert by_setting[labels.policy_label("flag_signed_letter")][3:5] == ["no", "yes"]
    assert by_setting[labels.policy_label("band_letters")][4] == "red → concern red"
    raw = [cell for r in rows for cell in r[1:5] if RAW.search(cell)]
    assert not raw, f"keys or JSON shown: {raw}"
    assert all(r[1] == "Policy" for r in rows)


def test_the_value_renderer() -> None:
    assert labels.value_text('{"marking_starts": "08:45", "late_after": "09:00"}') \
        == "Marking starts 08:45, Late after 09:00"
    assert labels.value_text('[["upper_amber", "letter"]]') == "upper amber → letter"
    assert labels.value_text('"half_term"') == "half term"
    assert labels.value_text("null") == "not set"
    assert labels.value_text("2025-09-03 to 2026-07-22") == "03 Sep 2025 to 22 Jul 2026"
    assert labels.value_text("inset # INSET day") == "inset: INSET day"
    assert labels.value_text("Hazels") == "Hazels"
    assert labels.role_label("office") == "Office staff"


def test_policy_page_and_its_tables_use_labels(qtbot) -> None:
    editor = PolicyEditor()
    qtbot.addWidget(editor)
    titles = [editor.tabs.tabText(i) for i in range(editor.tabs.count())]
    assert "Other" not in titles
    shown = [lab.text() for lab in editor.findChildren(QLabel) if lab.text()]
    for table in editor.findChildren(RecordsTable):
        shown += [table.table.horizontalHeaderItem(c).text()
                  for c in range(table.table.columnCount())]
    raw = [t for t in shown if re.search(r"\b[a-z]+_[a-z_]+\b", t)
           or t in {"Key", "Min pct", "Due days", "Review weeks", "After review"}]
    assert not raw, f"internal names on the policy page: {raw}"
    headers = RecordsTable(Band, "bands")
    qtbot.addWidget(headers)
    assert [headers.table.horizontalHeaderItem(c).text() for c in range(4)] == [
        "Short name", "Shown as", "From attendance %", "Of concern"]
