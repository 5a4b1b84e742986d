"""One-way imports: nothing outside ``discharge_hub/ui`` imports PySide6, so the core runs
headless (CLI, reports, tests)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "discharge_hub"
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def core_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts[:1])


def core_modules() -> list[str]:
    names = []
    for path in core_files():
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] != "__main__":
            names.append(".".join(parts))
    return names


def imported_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif (  # importlib.import_module("PySide6...") / __import__("PySide6")
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__"):
                names.add(node.args[0].value)
    return names


def test_the_core_is_found() -> None:
    modules = core_modules()
    for expected in (
        "discharge_hub.db",
        "discharge_hub.services.board",
        "discharge_hub.models.spell",
        "discharge_hub.validators",
    ):
        assert expected in modules
    assert not any(m.startswith("discharge_hub.ui") for m in modules)


def test_no_core_source_imports_qt() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in imported_names(ast.parse(path.read_text("utf-8"))) if n.split(".")[0] in QT
        )
        for path in core_files()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_ast_check_would_catch_qt_imports() -> None:
    source = (
        "import PySide6.QtCore\n"
        "from PySide6 import QtWidgets\n"
        "def later():\n"
        "    importlib.import_module('shiboken6')\n"
    )
    assert imported_names(ast.parse(source)) == {"PySide6.QtCore", "PySide6", "shiboken6"}


def test_importing_every_core_module_loads_no_qt() -> None:
    script = (
        "import importlib, json, sys\n"
        f"mods = {core_modules()!r}\n"
        "for m in mods: importlib.import_module(m)\n"
        f"print(json.dumps(sorted(n for n in sys.modules if n.split('.')[0] in {QT!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# What the desktop layer may take from SQLAlchemy: the Session type (the task runner
# hands one to the services) and URL parsing. Queries live in the services and
# query modules, never in a widget.
UI_SQLALCHEMY_ALLOWED = {"sqlalchemy.orm": {"Session"}, "sqlalchemy.engine": {"make_url"}}


def sql_in_ui(path: Path) -> list[str]:
    """What a desktop module imports to build SQL itself: SQLAlchemy beyond the allowed
    names, or the ORM models."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
            found += [a.name for a in node.names if a.name.startswith("discharge_hub.models")]
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if module.split(".")[0] == "sqlalchemy":
                allowed = UI_SQLALCHEMY_ALLOWED.get(module, set())
                found += [f"{module}.{a.name}" for a in node.names if a.name not in allowed]
            elif module.startswith("discharge_hub.models"):
                found += [f"{module}.{a.name}" for a in node.names]
    return found


def test_no_widget_builds_sql() -> None:
    ui = sorted((PACKAGE / "ui").rglob("*.py"))
    assert len(ui) > 20
    offenders = {str(p.relative_to(ROOT)): n for p in ui if (n := sql_in_ui(p))}
    assert offenders == {}


def test_the_sql_check_would_catch_a_query_in_a_widget(tmp_path: Path) -> None:
    widget = tmp_path / "widget.py"
    widget.write_text(
        "from sqlalchemy import select, text\nfrom discharge_hub.models import Site\n"
        "from sqlalchemy.orm import Session\n",
        encoding="utf-8",
    )
    assert sql_in_ui(widget) == [
        "sqlalchemy.select",
        "sqlalchemy.text",
        "discharge_hub.models.Site",
    ]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def mypy_exemptions(config: dict[str, Any]) -> list[str]:
    """The parts of discharge_hub that mypy's config leaves out or excuses from errors."""
    mypy = config["tool"]["mypy"]
    found = [e for e in _as_list(mypy.get("exclude", [])) if "discharge_hub" in e]
    for override in mypy.get("overrides", []):
        if override.get("ignore_errors") or override.get("disable_error_code"):
            modules = _as_list(override.get("module", []))
            found += [m for m in modules if m.startswith("discharge_hub")]
    return found


def test_mypy_checks_all_of_discharge_hub_strictly_the_ui_too() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mypy = config["tool"]["mypy"]
    assert mypy["strict"] is True
    assert "discharge_hub" in mypy["packages"]
    assert mypy_exemptions(config) == []


def test_the_mypy_check_would_catch_an_excused_ui() -> None:
    config = tomllib.loads(
        '[tool.mypy]\nstrict = true\nexclude = ["discharge_hub/ui/"]\n'
        "[[tool.mypy.overrides]]\n"
        'module = ["discharge_hub.ui.*", "reportlab.*"]\nignore_errors = true\n'
        "[[tool.mypy.overrides]]\n"
        'module = "discharge_hub.ui.app"\ndisable_error_code = ["attr-defined"]\n'
        "[[tool.mypy.overrides]]\n"
        'module = ["keyring.*"]\nignore_missing_imports = true\n'
    )
    assert mypy_exemptions(config) == [
        "discharge_hub/ui/",
        "discharge_hub.ui.*",
        "discharge_hub.ui.app",
    ]
