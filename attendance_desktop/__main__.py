"""Entry point: window commands open Qt; everything else is the Qt-free command line.

Every command writes start and stop lines to the log file in the data folder.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from attendance_desktop import cli
from attendance_desktop.config import logs

log = logging.getLogger(__name__)

WINDOW_COMMANDS = (None, "gui", "kiosk")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parsed = cli.parse(args)
    if parsed is None:  # usage error already reported
        return 2
    data_dir, db_url = _where(parsed)
    logs.setup_logging(data_dir)
    logs.log_start(parsed.command or "gui", data_dir, db_url)
    code = 1
    try:
        code = _dispatch(parsed)
    except KeyboardInterrupt:
        log.info("interrupted (Ctrl+C)")
        code = 130
    except Exception:
        # A bug that escaped cli.run's own handling: the details go to the log and the
        # user gets one line instead of a traceback (exit 2, as for any fault).
        log.exception("unexpected error in command %s", parsed.command)
        where = logs.active_log_file()
        detail = f"details are in the log file {where}" if where else "no log file could be written"
        print(f"attendance-desktop: unexpected error ({detail})", file=sys.stderr)
        code = 2
    logs.log_stop(code)
    logs.teardown_logging()
    return code


def _dispatch(parsed: argparse.Namespace) -> int:
    if parsed.command in WINDOW_COMMANDS:
        from attendance_desktop import app

        return app.run_window(parsed)
    status = cli.run(parsed)
    if status == 0 and parsed.command == "demo" and parsed.open:
        from attendance_desktop import app

        return app.run_window(parsed)
    return status


def _where(parsed: argparse.Namespace) -> tuple[Path | None, str | None]:
    """The data folder and database URL for the log; (None, None) if they cannot be worked out.

    A fault here (say a broken machine config file) is reported by the command itself.
    """
    try:
        paths = cli.paths_for(parsed)
    except Exception:
        return None, None
    return paths.data_dir, paths.db_url


if __name__ == "__main__":
    sys.exit(main())
