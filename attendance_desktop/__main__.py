"""Entry point: window commands open Qt; everything else is the Qt-free command line."""

from __future__ import annotations

import sys

from attendance_desktop import cli


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parsed = cli.parse(args)
    if parsed is None:  # usage error already reported
        return 2
    if parsed.command in (None, "gui", "kiosk"):
        from attendance_desktop import app

        return app.run_window(parsed)
    status = cli.run(parsed)
    if status == 0 and parsed.command == "demo" and parsed.open:
        from attendance_desktop import app

        return app.run_window(parsed)
    return status


if __name__ == "__main__":
    sys.exit(main())
