"""The newest schema revision shipped with this copy, read from the revision files' text.

Stdlib only: the quick first screen (db.quick_read) and the usual up-to-date start
(db.migrate) both need it without importing Alembic or SQLAlchemy.
"""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")

_REVISION_LINE = re.compile(r"""^(down_)?revision\s*(?::[^=]+)?=\s*(?:['"]([^'"]+)['"]|None)""",
                            re.MULTILINE)


def shipped_head_in(migrations: Path = MIGRATIONS) -> str | None:
    """The one head of the revisions in MIGRATIONS/versions; None when the files do not
    show one clear head (then Alembic decides)."""
    revisions: set[str] = set()
    replaced: set[str] = set()
    for path in (migrations / "versions").glob("*.py"):
        found = {bool(m.group(1)): m.group(2)
                 for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))}
        if not found:
            continue  # __init__.py
        revision = found.get(False)
        if revision is None:
            return None
        revisions.add(revision)
        down = found.get(True)
        if down is not None:
            replaced.add(down)
    heads = revisions - replaced
    return heads.pop() if len(heads) == 1 else None
