"""The layering contracts in pyproject.toml (import-linter): no Qt outside the GUI."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WING_CONTRACTS = ("Wings keep their private modules", "The shared service base imports no wing",
                  "The school wing reaches into no other wing")
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_contracts_are_configured() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    names = {c["name"] for c in config["tool"]["importlinter"]["contracts"]}
    assert {"Core layers import no Qt", "Domain is pure", "Layers",
            "GUI feature folders are independent", *WING_CONTRACTS} <= names


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
def test_the_wing_contracts_break_when_a_wing_reaches_in(tmp_path: Path) -> None:
    # Plant one breach of each wing contract in a copy of the package: a wing importing
    # another wing's private module, the shared base importing a wing, the school wing
    # importing the register.
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "attendance_desktop", tmp_path / "attendance_desktop",
                    ignore=shutil.ignore_patterns("__pycache__"))
    services = tmp_path / "attendance_desktop" / "services"
    (services / "letters" / "_planted_internal.py").write_text("X = 1\n", encoding="utf-8")
    (services / "reports" / "planted_reach.py").write_text(
        "from attendance_desktop.services.letters import _planted_internal  # noqa: F401\n",
        encoding="utf-8")
    with (services / "errors.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom attendance_desktop.services.register import register_service  # noqa\n")
    (services / "school" / "planted_back_edge.py").write_text(
        "from attendance_desktop.services.register import closure_service  # noqa: F401\n",
        encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    for name in WING_CONTRACTS:
        assert f"{name} BROKEN" in done.stdout, done.stdout[-3000:]
    for planted in ("planted_reach", "services.errors", "planted_back_edge"):
        assert planted in done.stdout


def private_reaches(root: Path) -> list[str]:
    """Imports of another module's private names: `from m import _x`, or `m._x` where m is
    a module of the app imported by name."""
    found: list[str] = []
    for path in sorted((root / "attendance_desktop").rglob("*.py")):
        if {"generated", "migrations", "__pycache__"} & set(path.parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: set[str] = set()
        for node in ast.walk(tree):
            if (isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("attendance_desktop")):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.name}:{node.lineno} imports {alias.name}")
                    modules.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                found.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    assert private_reaches(REPO) == []


def test_a_private_name_taken_from_another_module_is_found(tmp_path: Path) -> None:
    # The check must be able to fail: one of each form, in a scratch package.
    package = tmp_path / "attendance_desktop"
    package.mkdir()
    (package / "planted.py").write_text(
        "from attendance_desktop.services.reports.stats_service import _hidden\n"
        "from attendance_desktop.services.reports import stats_service\n"
        "stats_service._also_hidden()\n", encoding="utf-8")
    assert private_reaches(tmp_path) == ["planted.py:1 imports _hidden",
                                         "planted.py:3 uses stats_service._also_hidden"]
