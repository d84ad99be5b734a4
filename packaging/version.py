"""The app's version, read from attendance_desktop/__init__.py (the one place it is typed).

    python packaging/version.py                 prints the version, e.g. 0.1.0
    python packaging/version.py --numeric       prints the Windows four-part form, e.g. 0.1.0.0
    python packaging/version.py --get NAME      prints another constant, e.g. INSTANCE_NAME
    python packaging/version.py --version-info OUT
                                                writes PyInstaller's Windows version resource
                                                from packaging/version_info.txt.in

The build scripts and the Windows workflow use it for the installer's AppVersion
(ISCC /DAppVersion=...) and the spec for the .exe's version resource, so nothing else
types the number. The package is not imported (its file is parsed), so this works
before anything is installed.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INIT = ROOT / "attendance_desktop" / "__init__.py"
TEMPLATE = Path(__file__).with_name("version_info.txt.in")


def constants(init: Path = INIT) -> dict[str, str]:
    """The module-level string constants of the package's __init__ (version, names)."""
    found: dict[str, str] = {}
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            found[node.targets[0].id] = node.value.value
    return found


def version() -> str:
    return constants()["__version__"]


def numeric(text: str) -> tuple[int, int, int, int]:
    """The four numbers Windows wants: 1.2.3rc1 -> (1, 2, 3, 0); missing parts are 0."""
    match = re.match(r"\d+(?:\.\d+){0,3}", text)
    if match is None:
        raise SystemExit(f"version.py: {text!r} does not start with a number")
    parts = [int(p) for p in match.group(0).split(".")]
    parts += [0] * (4 - len(parts))
    return (parts[0], parts[1], parts[2], parts[3])


def version_info_text(exe: str = "AttendanceDesktop", description: str = "") -> str:
    """PyInstaller's version resource for one executable, filled in from __init__."""
    values = constants()
    four = numeric(values["__version__"])
    return (TEMPLATE.read_text(encoding="utf-8")
            .replace("@VERSION_TUPLE@", repr(four))
            .replace("@VERSION_DOTTED@", ".".join(map(str, four)))
            .replace("@VERSION@", values["__version__"])
            .replace("@EXE@", exe)
            .replace("@DESCRIPTION@", description or values["APP_NAME"])
            .replace("@APP_NAME@", values["APP_NAME"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print or write the app's version.")
    parser.add_argument("--numeric", action="store_true", help="four-part Windows form")
    parser.add_argument("--get", metavar="NAME",
                        help="print a string constant of attendance_desktop/__init__.py")
    parser.add_argument("--version-info", type=Path, metavar="OUT",
                        help="write PyInstaller's Windows version resource file to OUT")
    args = parser.parse_args(argv)
    if args.version_info:
        args.version_info.parent.mkdir(parents=True, exist_ok=True)
        args.version_info.write_text(version_info_text(), encoding="utf-8")
        print(args.version_info)
    elif args.get:
        values = constants()
        if args.get not in values:
            print(f"version.py: no string constant {args.get} in {INIT}", file=sys.stderr)
            return 2
        print(values[args.get])
    elif args.numeric:
        print(".".join(map(str, numeric(version()))))
    else:
        print(version())
    return 0


if __name__ == "__main__":
    sys.exit(main())
