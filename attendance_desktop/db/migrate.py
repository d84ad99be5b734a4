"""Bring a database to the current schema with Alembic, copying a SQLite file first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine, backup_dir: Path | None = None) -> Path | None:
    """Upgrade to head. An existing SQLite file is copied to backup_dir first.

    Returns the path of the copy, if one was made.
    """
    current = current_revision(engine)
    head = head_revision(engine)
    if current == head:
        return None
    copy: Path | None = None
    db_file = engine.url.database
    if (current is not None and engine.dialect.name == "sqlite" and db_file
            and db_file != ":memory:" and backup_dir is not None):
        backup_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        copy = backup_dir / f"before-migration-{current}-{stamp}.sqlite3"
        with engine.connect() as conn:  # a consistent copy even with WAL
            conn.exec_driver_sql(f"VACUUM INTO '{copy.as_posix()}'")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return copy
