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
    assert {"Core layers import no Qt", "Domain is pure", "Layers",
            "GUI feature folders are independent"} <= names


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


def _copy(tmp_path: Path) -> Path:
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "attendance_desktop", tmp_path / "attendance_desktop",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "attendance_desktop" / "gui"


def test_one_gui_area_importing_another_breaks_a_contract(tmp_path: Path) -> None:
    # The register opening the pupils page by import, not through the navigator.
    gui = _copy(tmp_path)
    (gui / "register" / "planted_link.py").write_text(
        "from attendance_desktop.gui.pupils import pupils_widget  # noqa: F401\n",
        encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "GUI feature folders are independent BROKEN" in done.stdout
    assert "planted_link" in done.stdout


def test_an_indirect_link_between_areas_breaks_it_too(tmp_path: Path) -> None:
    # A shared gui module that imports an area joins every area that uses it to that area.
    gui = _copy(tmp_path)
    (gui / "planted_shared.py").write_text(
        "from attendance_desktop.gui.letters import letter_log_widget  # noqa: F401\n",
        encoding="utf-8")
    (gui / "leave" / "planted_user.py").write_text(
        "from attendance_desktop.gui import planted_shared  # noqa: F401\n", encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "GUI feature folders are independent BROKEN" in done.stdout
    assert "planted_user" in done.stdout


def test_the_shared_charts_import_no_area(tmp_path: Path) -> None:
    gui = _copy(tmp_path)
    (gui / "charts" / "planted_up.py").write_text(
        "from attendance_desktop.gui.reports import reports_widget  # noqa: F401\n",
        encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "GUI feature folders are independent BROKEN" in done.stdout
