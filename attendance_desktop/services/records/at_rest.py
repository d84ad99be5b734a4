"""Is a folder on a removable drive, and is that drive encrypted? Best effort, never blocking.

The app relies on the operating system's disk encryption (BitLocker, LUKS, FileVault)
rather than encrypting the database itself; so it warns when the data folder or a backup
folder is on a removable drive the OS says is not encrypted. Every probe has a short
timeout and answers None ("cannot tell") on any failure; the decision itself is the pure
function domain.backups.at_rest_warning. Run from the backup job, never the GUI thread.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from attendance_desktop.domain.backups import DriveFacts, at_rest_warning

log = logging.getLogger(__name__)

TIMEOUT = 5.0
DRIVE_REMOVABLE = 2  # GetDriveTypeW
# System.Volume.BitLockerProtection: 1 on, 3 encrypting, 5 on (unlocked) ... 2 off.
_BITLOCKER_ON = {1, 3, 5}
_BITLOCKER_OFF = {2}


def probe(folder: Path) -> DriveFacts:
    try:
        if sys.platform == "win32":
            return _probe_windows(folder)
        if sys.platform.startswith("linux"):
            return _probe_linux(folder)
    except Exception as exc:  # a probe must never stop a backup
        log.info("could not tell what drive holds %s: %s", folder, exc)
    return DriveFacts(None, None)


def warnings_for(folders: list[tuple[str, Path]]) -> list[str]:
    """Warnings for (description, folder) pairs, e.g. ("The backup folder", E:\\Backups)."""
    out = []
    for what, folder in folders:
        note = at_rest_warning(what, probe(folder))
        if note:
            out.append(note)
    return out


# --- Linux ---------------------------------------------------------------------------------


def _run(cmd: list[str]) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def mount_source(folder: Path) -> str | None:
    """The device of the mount holding `folder` (the longest mount point above it)."""
    target = os.path.realpath(folder)
    best, source = "", None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                point = left.split()[4].replace("\\040", " ")
                inside = target == point or target.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best):
                    best, source = point, right.split()[1]
    except OSError:
        return None
    return source


def linux_facts(lsblk_json: str, device: str) -> DriveFacts:
    """From `lsblk -J -s -o NAME,TYPE,RM <device>` (-s: the device, then what it sits on):
    removable if any disk below it is; encrypted if a crypt layer is in the chain."""
    try:
        tree = json.loads(lsblk_json).get("blockdevices", [])
    except ValueError:
        return DriveFacts(None, None, device)
    types: list[str] = []
    removable: list[bool] = []

    def walk(nodes: list[dict[str, object]]) -> None:
        for node in nodes:
            types.append(str(node.get("type", "")))
            rm = node.get("rm")
            removable.append(rm is True or rm in ("1", 1))
            children = node.get("children")
            if isinstance(children, list):
                walk(children)

    walk(tree)
    if not types:
        return DriveFacts(None, None, device)
    return DriveFacts(any(removable), "crypt" in types, device)


def _probe_linux(folder: Path) -> DriveFacts:
    device = mount_source(folder)
    if not device or not device.startswith("/dev/"):
        return DriveFacts(None, None, device or "")  # tmpfs, overlay, network share
    out = _run(["lsblk", "-J", "-s", "-o", "NAME,TYPE,RM", device])
    if out is None:
        return DriveFacts(None, None, device)
    return linux_facts(out, device)


# --- Windows -------------------------------------------------------------------------------


def _probe_windows(folder: Path) -> DriveFacts:  # pragma: no cover - Windows only
    import ctypes

    drive = os.path.splitdrive(os.path.abspath(folder))[0]
    if not drive or drive.startswith("\\\\"):
        return DriveFacts(None, None, drive)  # a network share: the server's business
    kind = ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")  # type: ignore[attr-defined]
    if kind != DRIVE_REMOVABLE:
        return DriveFacts(False, None, drive)
    script = (f"(New-Object -ComObject Shell.Application).NameSpace('{drive}')"
              ".Self.ExtendedProperty('System.Volume.BitLockerProtection')")
    out = _run(["powershell", "-NoProfile", "-NonInteractive", "-Command", script])
    return DriveFacts(True, bitlocker_state(out), drive)


def bitlocker_state(output: str | None) -> bool | None:
    """The Shell property's value as printed by PowerShell: encrypted, not, or unknown."""
    try:
        value = int((output or "").strip())
    except ValueError:
        return None
    if value in _BITLOCKER_ON:
        return True
    if value in _BITLOCKER_OFF:
        return False
    return None
