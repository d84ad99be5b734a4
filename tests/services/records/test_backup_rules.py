"""Pure backup rules: names, rotation with an injected clock, when a backup is due, the
Today board's warnings, and the at-rest decision from fake and real drive probes."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from attendance_desktop.domain import backups as rules
from attendance_desktop.domain.backups import BackupSettings, DriveFacts
from attendance_desktop.services.records import at_rest

NOW = dt.datetime(2026, 12, 1, 20, 0)


def regular(when: dt.datetime) -> tuple[str, dt.datetime, str]:
    return rules.make_name(rules.REGULAR, when, "0.1.0"), when, rules.REGULAR


def test_names_round_trip_and_other_files_are_not_backups() -> None:
    name = rules.make_name(rules.REGULAR, NOW, "1.2.3")
    assert name == "attendance-20261201-200000-v1.2.3.sqlite3"
    facts = rules.parse_name(name)
    assert facts == rules.BackupName(rules.REGULAR, NOW, "1.2.3", "", False)
    second = rules.parse_name(rules.make_name(rules.BEFORE_RESTORE, NOW, "1.2.3", n=2,
                                              postgres=True))
    assert second is not None
    assert second.kind == rules.BEFORE_RESTORE
    assert second.postgres
    migration = rules.parse_name("before-migration-0002-20261130-101500-2.sqlite3")
    assert migration is not None
    assert (migration.kind, migration.revision) == (rules.BEFORE_MIGRATION, "0002")
    for other in (".partial-" + name, name + ".tmp", "backup-index.json", "notes.txt",
                  "attendance-20261399-000000-v1.sqlite3"):
        assert rules.parse_name(other) is None


def test_rotation_keeps_daily_weekly_monthly_and_the_last_day() -> None:
    # A backup every 4 hours for 400 days, by an injected clock.
    files = [regular(NOW - dt.timedelta(hours=4 * i)) for i in range(400 * 6)]
    settings = BackupSettings(keep_daily=14, keep_weekly=8, keep_monthly=12)
    keep = rules.files_to_keep(files, settings, NOW)
    kept = sorted((when for name, when, _ in files if name in keep), reverse=True)
    last_day = [w for w in kept if NOW - w < dt.timedelta(hours=24)]
    assert len(last_day) == 6  # every backup of the last 24 hours
    days = {w.date() for w in kept}
    for back in range(14):  # one per day for the last 14 days
        assert (NOW - dt.timedelta(days=back)).date() in days
    weeks = {w.isocalendar()[:2] for w in kept}
    for back in range(8):
        assert (NOW - dt.timedelta(weeks=back)).isocalendar()[:2] in weeks
    months = {(w.year, w.month) for w in kept}
    assert len(months) == 12
    assert (2026, 1) in months
    assert (2025, 12) not in months
    # The newest of each day is the one kept for that day.
    for day in {w.date() for w in kept if NOW - w >= dt.timedelta(hours=24)}:
        newest = max(w for _, w, _ in files if w.date() == day)
        assert newest in kept
    assert len(keep) < 6 + 14 + 8 + 12
    assert len(keep) >= 14 + 6


def test_rotation_leaves_migration_and_restore_copies_to_their_own_rule() -> None:
    settings = BackupSettings(keep_daily=1, keep_weekly=0, keep_monthly=0, keep_special=2,
                              special_min_days=90)
    old = [(f"before-migration-000{i}-2025010{i}-100000.sqlite3",
            dt.datetime(2025, 1, i, 10), rules.BEFORE_MIGRATION) for i in range(1, 6)]
    recent = [(f"before-restore-2026110{i}-100000-v0.1.0.sqlite3",
               dt.datetime(2026, 11, i, 10), rules.BEFORE_RESTORE) for i in range(1, 6)]
    keep = rules.files_to_keep(old + recent + [regular(NOW)], settings, NOW)
    assert {n for n, _, _ in old if n in keep} == {old[-1][0], old[-2][0]}  # newest 2
    assert all(n in keep for n, _, _ in recent)  # all younger than 90 days


def test_rotation_never_lets_a_future_file_push_out_the_real_newest() -> None:
    future = regular(NOW + dt.timedelta(days=400))
    today = regular(NOW - dt.timedelta(hours=30))
    keep = rules.files_to_keep([future, today], BackupSettings(keep_daily=1, keep_weekly=0,
                                                               keep_monthly=0), NOW)
    assert keep == {future[0], today[0]}


def test_backup_due_only_after_changes_and_the_interval() -> None:
    s = BackupSettings(interval_hours=4)
    last = NOW - dt.timedelta(hours=3)
    assert not rules.backup_due(s, last, True, NOW)
    assert rules.backup_due(s, NOW - dt.timedelta(hours=4), True, NOW)
    assert not rules.backup_due(s, NOW - dt.timedelta(days=9), False, NOW)
    assert rules.backup_due(s, None, True, NOW)
    assert rules.backup_due(s, NOW + dt.timedelta(hours=1), True, NOW)  # clock went back
    assert not rules.backup_due(BackupSettings(automatic=False), None, True, NOW)


def test_board_warnings() -> None:
    s = BackupSettings(warn_after_hours=24, second_folder="/media/stick")
    ok = rules.board_warnings(s, is_postgres=False, last_good=NOW - dt.timedelta(hours=30),
                              changed=False, now=NOW, second_problem=None)
    assert ok == []  # old, but nothing changed since: still a full copy
    stale = rules.board_warnings(s, is_postgres=False,
                                 last_good=NOW - dt.timedelta(hours=30), changed=True,
                                 now=NOW, second_problem="gone")
    assert len(stale) == 2
    assert "30 hours old" in stale[0]
    assert "gone" in stale[1]
    none = rules.board_warnings(BackupSettings(), is_postgres=False, last_good=None,
                                changed=True, now=NOW, second_problem=None)
    assert "No verified backup" in none[0]
    assert "No second backup folder" in none[1]


def test_settings_validate() -> None:
    BackupSettings().validate()
    for bad in (dict(interval_hours=0), dict(keep_daily=-1), dict(warn_after_hours="x"),
                dict(keep_daily=0, keep_weekly=0, keep_monthly=0),
                dict(second_folder=" E:\\ ")):
        with pytest.raises(rules.BackupSettingError):
            BackupSettings(**bad).validate()  # type: ignore[arg-type]
    assert BackupSettings.from_dict({"keep_daily": 3, "unknown": 1}).keep_daily == 3


# --- private at rest ----------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "warns"), [
    (DriveFacts(True, False, "E:"), True),
    (DriveFacts(True, True, "E:"), False),
    (DriveFacts(True, None, "E:"), False),  # cannot tell: say nothing
    (DriveFacts(False, False, "C:"), False),  # fixed disks: IT's BitLocker policy
    (DriveFacts(None, None), False),
])
def test_at_rest_decision(facts: DriveFacts, warns: bool) -> None:
    note = rules.at_rest_warning("The backup folder", facts)
    assert (note is not None) == warns
    if note:
        assert "(E:)" in note
        assert "not encrypted" in note


LSBLK_USB = {"blockdevices": [{"name": "sdb1", "type": "part", "rm": True,
                               "children": [{"name": "sdb", "type": "disk", "rm": True}]}]}
LSBLK_LUKS_USB = {"blockdevices": [{"name": "luks-1", "type": "crypt", "rm": False, "children": [
    {"name": "sdb1", "type": "part", "rm": True,
     "children": [{"name": "sdb", "type": "disk", "rm": True}]}]}]}
LSBLK_OLD = {"blockdevices": [{"name": "sda1", "type": "part", "rm": "0",
                               "children": [{"name": "sda", "type": "disk", "rm": "0"}]}]}


def test_linux_facts_from_lsblk() -> None:
    assert at_rest.linux_facts(json.dumps(LSBLK_USB), "/dev/sdb1") == \
        DriveFacts(True, False, "/dev/sdb1")
    assert at_rest.linux_facts(json.dumps(LSBLK_LUKS_USB), "/dev/mapper/luks-1") == \
        DriveFacts(True, True, "/dev/mapper/luks-1")
    assert at_rest.linux_facts(json.dumps(LSBLK_OLD), "/dev/sda1") == \
        DriveFacts(False, False, "/dev/sda1")
    assert at_rest.linux_facts("not json", "/dev/x") == DriveFacts(None, None, "/dev/x")


def test_bitlocker_property_values() -> None:
    assert at_rest.bitlocker_state("1\r\n") is True
    assert at_rest.bitlocker_state("2") is False
    assert at_rest.bitlocker_state("") is None
    assert at_rest.bitlocker_state("6") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux probe")
def test_linux_probe_on_this_machine(tmp_path: Path) -> None:
    """The real probe: finds the mount of a real folder and never fails; a fixed disk or a
    container's overlay is never reported as an unencrypted removable drive."""
    source = at_rest.mount_source(tmp_path)
    assert source
    facts = at_rest.probe(tmp_path)
    assert facts.removable is not True
    assert at_rest.warnings_for([("The data folder", tmp_path)]) == []
    root = at_rest.probe(Path("/"))
    assert root.removable is not True
