"""The backup folders: settings, the per-folder index of verified copies, listing,
rotation and the status the Today board shows.

Settings live in the policy settings table under keys ``backup.<name>`` (Policy ignores
keys it does not know), so applying a policy preset never resets the school's backup
folder; every change is recorded in the settings change log (area "backups").

Each folder holds ``backup-index.json``: per file name, when it was last verified, the
result, and (data folder only) the database fingerprint it was taken at. A backup file is
only renamed into place after it verified, so a name without an index entry is a copy the
app did not check (e.g. a migration copy): listed as "not verified yet".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.config.private_files import shared_with_group, strip_access
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import PolicySetting, SettingChange
from attendance_desktop.domain import backups as rules
from attendance_desktop.domain.backups import BackupSettingError, BackupSettings
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import PermissionDenied, ServiceError

log = logging.getLogger(__name__)

KEY_PREFIX = "backup."
INDEX_NAME = "backup-index.json"
DATA_FOLDER = "data folder"
SECOND_FOLDER = "second folder"


# --- settings --------------------------------------------------------------------------


def load_settings(engine: Engine) -> BackupSettings:
    with session_scope(engine) as s:
        rows = s.exec(select(PolicySetting).where(
            PolicySetting.key.startswith(KEY_PREFIX))).all()
        data = {r.key[len(KEY_PREFIX):]: json.loads(r.value_json) for r in rows}
    try:
        settings = BackupSettings.from_dict(data)
        settings.validate()
    except (BackupSettingError, TypeError) as exc:  # edited behind the app's back
        log.warning("stored backup settings are unusable (%s); using the defaults", exc)
        return BackupSettings()
    return settings


def save_settings(engine: Engine, actor: Actor, new: BackupSettings) -> list[str]:
    """Validate and store; returns the names that changed, each in the change log."""
    if not actor.can_edit_settings:
        raise PermissionDenied("only the headteacher can change the backup settings")
    try:
        new.validate()
    except BackupSettingError as exc:
        raise ServiceError(str(exc)) from exc
    old = load_settings(engine).to_dict()
    changed: list[str] = []
    with session_scope(engine) as s:
        for name, value in new.to_dict().items():
            if old.get(name) == value:
                continue
            changed.append(name)
            s.merge(PolicySetting(key=KEY_PREFIX + name, value_json=json.dumps(value)))
            s.add(SettingChange(area="backups", key=name, old_value=json.dumps(old.get(name)),
                                new_value=json.dumps(value), staff_name=actor.name,
                                staff_role=actor.role.value))
    return changed


# --- the index of verified copies --------------------------------------------------------


def read_index(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(folder: Path, name: str, *, ok: bool, problems: Iterable[str] = (),
           fingerprint: str = "", when: dt.datetime) -> None:
    """Record a verification result for `name` (atomically: temp file, then rename)."""
    index = read_index(folder)
    entry = index.get(name, {})
    entry.update(verified_at=when.isoformat(timespec="seconds"), ok=ok,
                 problems=list(problems))
    if fingerprint:
        entry["fingerprint"] = fingerprint
    index[name] = entry
    _write_index(folder, index)


def _write_index(folder: Path, index: dict[str, Any]) -> None:
    # Entries of files gone (rotated, deleted by hand) are dropped; "_" keys are notes.
    index = {k: v for k, v in index.items() if k.startswith("_") or (folder / k).exists()}
    tmp = folder / f".{INDEX_NAME}.tmp"
    with open(private_create(tmp), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / INDEX_NAME)


def private_create(path: Path) -> int:
    """Create (or truncate) a file readable by the app's accounts only; returns its fd.

    The same modes as the data folder (config.locations): 0600, or 0660 in a setgid
    folder IT set up for a group of staff accounts. Windows: the folder's ACL applies.
    """
    mode = 0o660 if shared_with_group(path.parent) else 0o600
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    if os.name == "posix":
        strip_access(path, keep=mode)  # an existing file keeps its old mode
    return fd


def make_private_folder(folder: Path) -> None:
    shared = shared_with_group(folder.parent)
    folder.mkdir(parents=True, exist_ok=True, mode=0o2770 if shared else 0o700)


# --- listing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    where: str  # DATA_FOLDER | SECOND_FOLDER | another folder's path
    kind: str
    taken_at: dt.datetime
    size_bytes: int
    verified: bool | None  # None: never verified by the app
    verified_at: dt.datetime | None = None
    problems: tuple[str, ...] = ()
    fingerprint: str = ""
    postgres: bool = False

    @property
    def kind_label(self) -> str:
        return {rules.REGULAR: "Backup", rules.BEFORE_MIGRATION: "Before an upgrade",
                rules.BEFORE_RESTORE: "Before a restore"}.get(self.kind, self.kind)


def list_folder(folder: Path, where: str) -> list[BackupFile]:
    """The backup files in `folder`, newest first; temp and unknown files are ignored."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    index = read_index(folder)
    out: list[BackupFile] = []
    for path in entries:
        facts = rules.parse_name(path.name)
        if facts is None:
            continue
        try:
            size = path.stat().st_size
        except OSError:
            continue
        entry = index.get(path.name, {})
        ok = entry.get("ok")
        at = entry.get("verified_at")
        out.append(BackupFile(
            path, where, facts.kind, facts.taken_at, size,
            verified=ok if isinstance(ok, bool) else None,
            verified_at=dt.datetime.fromisoformat(at) if isinstance(at, str) else None,
            problems=tuple(entry.get("problems", ())),
            fingerprint=str(entry.get("fingerprint", "")), postgres=facts.postgres))
    out.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return out


def second_folder(settings: BackupSettings) -> Path | None:
    return Path(settings.second_folder) if settings.second_folder else None


def list_backups(paths: AppPaths, settings: BackupSettings) -> list[BackupFile]:
    """Both folders, newest first."""
    found = list_folder(paths.backup_dir, DATA_FOLDER)
    second = second_folder(settings)
    if second is not None and second.resolve() != paths.backup_dir.resolve():
        found += list_folder(second, SECOND_FOLDER)
    found.sort(key=lambda b: (b.taken_at, b.where == DATA_FOLDER), reverse=True)
    return found


def last_good(paths: AppPaths) -> BackupFile | None:
    """The newest verified regular backup in the data folder's backups/."""
    return next((b for b in list_folder(paths.backup_dir, DATA_FOLDER)
                 if b.kind == rules.REGULAR and b.verified), None)


def folder_problem(folder: Path) -> str | None:
    """Why a second folder cannot take backups now (missing stick, read-only share)."""
    if not folder.is_dir():
        return f"{folder} is not there (is the USB stick plugged in, the share connected?)"
    probe = folder / ".attendance-write-test.tmp"
    try:
        os.close(private_create(probe))
        probe.unlink()
    except OSError as exc:
        return f"{folder} cannot be written to ({exc.strerror or exc})"
    return None


# --- rotation --------------------------------------------------------------------------


def rotate(folder: Path, settings: BackupSettings, now: dt.datetime) -> list[Path]:
    """Delete the backups rotation no longer keeps; returns what was deleted.

    Files the app did not make or cannot parse are never touched; nor are stale temp
    files younger than a day (a backup may still be writing them)."""
    files = list_folder(folder, "")
    keep = rules.files_to_keep(((b.path.name, b.taken_at, b.kind) for b in files),
                               settings, now)
    deleted: list[Path] = []
    for b in files:
        if b.path.name in keep:
            continue
        try:
            b.path.unlink()
            deleted.append(b.path)
        except OSError as exc:
            log.warning("could not remove old backup %s: %s", b.path, exc)
    deleted += _remove_stale_temps(folder, now)
    if deleted:
        log.info("rotation removed %d old backups from %s", len(deleted), folder)
    return deleted


TEMP_PREFIX = ".partial-"


def _remove_stale_temps(folder: Path, now: dt.datetime) -> list[Path]:
    gone: list[Path] = []
    for path in folder.glob(TEMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            age = now.timestamp() - path.stat().st_mtime
            if age > 24 * 3600:
                path.unlink()
                gone.append(path)
    return gone


# --- status for the Today board ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupStatus:
    last_good: BackupFile | None
    changed: bool  # the database changed since the last good backup
    second_problem: str | None
    warnings: tuple[str, ...] = field(default=())


def at_rest_notes(paths: AppPaths) -> list[str]:
    """Warnings stored by the last backup run (drive probes are slow; never on the GUI
    thread), e.g. an unencrypted removable drive."""
    data = read_index(paths.backup_dir).get("_at_rest", {})
    notes = data.get("problems", []) if isinstance(data, dict) else []
    return [str(n) for n in notes]


def store_at_rest_notes(paths: AppPaths, notes: list[str], when: dt.datetime) -> None:
    index = read_index(paths.backup_dir)
    index["_at_rest"] = {"checked_at": when.isoformat(timespec="seconds"), "problems": notes}
    make_private_folder(paths.backup_dir)
    _write_index(paths.backup_dir, index)
