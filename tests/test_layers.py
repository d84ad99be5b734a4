"""The layering contracts in pyproject.toml (import-linter): no Qt outside the GUI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_contracts_are_configured() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    names = {c["name"] for c in config["tool"]["importlinter"]["contracts"]}
    assert {"Core layers import no Qt", "Domain is pure", "Layers"} <= names


def test_import_contracts_are_kept() -> None:
    done = lint(REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_a_qt_import_in_the_services_breaks_a_contract(tmp_path: Path) -> None:
    # The check must be able to fail: plant a Qt import in a copy of the package.
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "attendance_desktop", tmp_path / "attendance_desktop",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "attendance_desktop" / "services" / "planted_qt.py").write_text(
        "from PySide6 import QtWidgets  # noqa: F401\n", encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "Core layers import no Qt BROKEN" in done.stdout
    assert "planted_qt" in done.stdout
