"""Where the data lives. Built once at start-up and passed down (no globals).

Order: --db-url, then --data-dir, then $ATTENDANCE_DB_URL, $ATTENDANCE_DATA_DIR, then
locations.default_location() (portable mode, the machine config file, the machine-wide
folder). The application name is frozen: changing it would move every school's data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from attendance_desktop.config import locations

APP_DIR_NAME = "AttendanceDesktop"
APP_AUTHOR = "AttendanceDesktop"
DB_FILE = "attendance.sqlite3"


@dataclass(frozen=True, slots=True)
class AppPaths:
    data_dir: Path
    db_url: str

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def letters_dir(self) -> Path:
        return self.data_dir / "letters"

    @property
    def sqlite_file(self) -> Path | None:
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and self.db_url != "sqlite://":
            return Path(self.db_url[len(prefix):])
        return None


def default_data_dir() -> Path:
    return locations.default_data_dir()


def resolve_paths(data_dir: str | os.PathLike[str] | None = None,
                  db_url: str | None = None,
                  environ: dict[str, str] | None = None) -> AppPaths:
    env = os.environ if environ is None else environ
    if data_dir is None:
        data_dir = env.get("ATTENDANCE_DATA_DIR") or None
    if data_dir:
        folder, default_url = Path(data_dir), None
    else:  # portable mode, the machine config file, or the machine-wide folder
        where = locations.default_location(env)
        folder, default_url = Path(where.data_dir), where.db_url
    url = (db_url or env.get("ATTENDANCE_DB_URL") or default_url
           or f"sqlite:///{(folder / DB_FILE).resolve()}")
    return AppPaths(folder.resolve(), url)
