"""Backup rules as data and pure decisions: settings, file names, rotation, when one is due,
and what the Today board should warn about. No file or database access here.

Rotation keeps, like a well-kept desktop app, every backup of the last 24 hours, then the
newest backup of each of the last
`keep_daily` days, `keep_weekly` ISO weeks and `keep_monthly` months that have a backup, and
always the newest of all. Copies made before a migration or a restore follow their own
rule: the newest `keep_special` of each kind and every one younger than
`special_min_days`, so an upgrade's safety copy is never thinned away with the dailies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Kinds of file in a backups folder.
REGULAR = "backup"
BEFORE_MIGRATION = "before-migration"
BEFORE_RESTORE = "before-restore"
SPECIAL_KINDS = (BEFORE_MIGRATION, BEFORE_RESTORE)

# attendance-20261201-204500-v0.1.0.sqlite3 (or .dump for PostgreSQL);
# before-restore-20261201-204500-v0.1.0.sqlite3;
# before-migration-<revision>-20261201-204500[-2].sqlite3 (written by db.migrate).
_STAMP = r"(?P<stamp>\d{8}-\d{6})"
_NAME = re.compile(
    r"^(?:(?P<regular>attendance)|(?P<restore>before-restore)"
    r"|(?P<migration>before-migration)-(?P<rev>[A-Za-z0-9_]+))-" + _STAMP +
    r"(?:-(?P<n>\d+))?(?:-v(?P<version>[0-9A-Za-z.+_]+?))?(?:-(?P<n2>\d+))?"
    r"\.(?P<ext>sqlite3|dump)$")
STAMP_FORMAT = "%Y%m%d-%H%M%S"


class BackupSettingError(ValueError):
    """A backup setting that makes no sense."""


@dataclass(frozen=True, slots=True)
class BackupSettings:
    """What a school may set about backups (stored with the policy settings, audited)."""

    automatic: bool = True
    interval_hours: int = 4  # at most one automatic backup this often, and only after changes
    keep_daily: int = 14
    keep_weekly: int = 8
    keep_monthly: int = 12
    keep_special: int = 5  # newest copies made before a migration / a restore, per kind
    special_min_days: int = 90  # ... and every such copy younger than this
    warn_after_hours: int = 24  # the Today board warns when changes are older than this
    second_folder: str = ""  # USB stick or network share; "" = not chosen yet

    def validate(self) -> None:
        checks = (("interval_hours", 1, 168), ("keep_daily", 0, 366), ("keep_weekly", 0, 520),
                  ("keep_monthly", 0, 600), ("keep_special", 1, 100),
                  ("special_min_days", 0, 3660), ("warn_after_hours", 1, 24 * 31))
        for name, low, high in checks:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise BackupSettingError(
                    f"backup setting {name.replace('_', ' ')} must be a whole number from "
                    f"{low} to {high}, not {value!r}")
        if self.keep_daily + self.keep_weekly + self.keep_monthly == 0:
            raise BackupSettingError("keep at least one daily, weekly or monthly backup")
        if self.second_folder != self.second_folder.strip():
            raise BackupSettingError("the second backup folder has spaces at either end")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BackupSettings:
        base = cls()
        known = {f.name for f in dataclasses.fields(cls)}
        return dataclasses.replace(base, **{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, slots=True)
class BackupName:
    """What a backup file's name says."""

    kind: str
    taken_at: dt.datetime  # local time, from the name
    version: str  # the app version that made it ("" when the name does not say)
    revision: str  # before-migration copies: the schema revision copied
    postgres: bool  # a pg_dump file rather than a SQLite database


def parse_name(name: str) -> BackupName | None:
    """The facts in a backup file's name; None for anything else (temp files included)."""
    m = _NAME.match(name)
    if m is None:
        return None
    try:
        taken = dt.datetime.strptime(m["stamp"], STAMP_FORMAT)
    except ValueError:
        return None
    kind = REGULAR if m["regular"] else BEFORE_RESTORE if m["restore"] else BEFORE_MIGRATION
    return BackupName(kind, taken, m["version"] or "", m["rev"] or "", m["ext"] == "dump")


def make_name(kind: str, taken_at: dt.datetime, version: str, *, postgres: bool = False,
              n: int = 1) -> str:
    stem = "attendance" if kind == REGULAR else kind
    extra = f"-{n}" if n > 1 else ""
    return (f"{stem}-{taken_at.strftime(STAMP_FORMAT)}-v{version}{extra}"
            f".{'dump' if postgres else 'sqlite3'}")


def files_to_keep(files: Iterable[tuple[str, dt.datetime, str]], settings: BackupSettings,
                  now: dt.datetime) -> set[str]:
    """Which of (name, taken_at, kind) to keep; the others may be deleted.

    Only files whose kind is known are passed in; a file in the future (a clock that was
    wrong) is kept, never treated as the newest of a bucket that would push others out.
    """
    items = sorted(files, key=lambda f: f[1], reverse=True)
    keep: set[str] = set()
    regular = [f for f in items if f[2] == REGULAR]
    future = {f[0] for f in regular if f[1] > now}
    keep |= future
    past = [f for f in regular if f[1] <= now]
    if past:
        keep.add(past[0][0])  # the newest backup, whatever the counts say
    # Every backup of the last day: a mistake made this morning is undone from the
    # backup before it, not from last night's.
    keep |= {name for name, when, _kind in past if now - when < dt.timedelta(hours=24)}

    def bucketed(key_of: Any, count: int) -> None:
        seen: list[Any] = []
        for name, when, _kind in past:
            key = key_of(when)
            if key in seen:
                continue  # an older backup of a bucket already kept
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(name)

    bucketed(lambda t: t.date(), settings.keep_daily)
    bucketed(lambda t: t.isocalendar()[:2], settings.keep_weekly)
    bucketed(lambda t: (t.year, t.month), settings.keep_monthly)
    for kind in SPECIAL_KINDS:
        of_kind = [f for f in items if f[2] == kind]
        keep |= {f[0] for f in of_kind[:settings.keep_special]}
        young = now - dt.timedelta(days=settings.special_min_days)
        keep |= {f[0] for f in of_kind if f[1] >= young}
    return keep


def backup_due(settings: BackupSettings, last_good: dt.datetime | None, changed: bool,
               now: dt.datetime) -> bool:
    """An automatic backup is due after changes, at most every interval_hours."""
    if not settings.automatic or not changed:
        return False
    if last_good is None or last_good > now:  # never, or a clock that went backwards
        return True
    return now - last_good >= dt.timedelta(hours=settings.interval_hours)


@dataclass(frozen=True, slots=True)
class DriveFacts:
    """What the operating system says about the drive holding a folder (None: cannot tell)."""

    removable: bool | None
    encrypted: bool | None
    device: str = ""  # e.g. "E:" or "/dev/sdb1", for the message


def at_rest_warning(what: str, facts: DriveFacts) -> str | None:
    """A plain warning when `what` (e.g. "The backup folder") sits on a removable drive
    that is not encrypted; nothing when the OS cannot tell or the drive is fixed (fixed
    disks are the job of BitLocker / full-disk encryption, which IT sets up)."""
    if facts.removable is not True or facts.encrypted is not False:
        return None
    on = f" ({facts.device})" if facts.device else ""
    return (f"{what} is on a removable drive{on} that is not encrypted: pupils' personal "
            "data could be read by anyone who finds it. Turn on BitLocker To Go for it "
            "(or use an encrypted stick).")


def board_warnings(settings: BackupSettings, *, is_postgres: bool,
                   last_good: dt.datetime | None, changed: bool, now: dt.datetime,
                   second_problem: str | None,
                   at_rest: Iterable[str] = ()) -> list[str]:
    """Plain sentences for the Today board; empty when all is well."""
    out: list[str] = []
    if last_good is None:
        out.append("No verified backup of the register has been made yet: make one in "
                   "Settings → Backups.")
    elif changed and now - last_good > dt.timedelta(hours=settings.warn_after_hours):
        hours = int((now - last_good).total_seconds() // 3600)
        age = f"{hours // 24} days" if hours >= 48 else f"{hours} hours"
        out.append(f"The last good backup is {age} old ({last_good:%a %d %b %H:%M}) and the "
                   "register has changed since: make one in Settings → Backups.")
    if not is_postgres:
        if not settings.second_folder:
            out.append("No second backup folder is chosen (a USB stick or network share): "
                       "a failed disk would take every backup with it. Choose one in "
                       "Settings → Backups.")
        elif second_problem:
            out.append(f"The second backup folder cannot be used: {second_problem}")
    out.extend(at_rest)
    return out
