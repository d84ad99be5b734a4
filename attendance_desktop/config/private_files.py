"""Private file modes shared by the data folder, backups and the log (POSIX).

Kept apart from config.locations so the log can use it without importing SQLAlchemy.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)


def shared_with_group(folder: Path) -> bool:
    """True when IT made FOLDER for a group of accounts (setgid with group rwx): files
    there are then 0660 instead of 0600, so every staff account can use them."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & stat.S_ISGID) and mode & 0o070 == 0o070


def strip_access(path: Path, keep: int) -> None:
    """Remove any permission bit outside KEEP from a regular file this account owns."""
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            return
        mode = stat.S_IMODE(st.st_mode)
        if mode & ~keep:
            os.chmod(path, mode & keep)
    except FileNotFoundError:
        return
    except OSError as exc:  # e.g. a network share without POSIX modes: carry on
        log.warning("could not make %s private: %s", path.name, exc)
