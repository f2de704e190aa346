"""The direction of dependency and the size of the pieces, checked on the source itself.

surfaces (app/api, public, admin_views) and jobs → app/services → app/models; services start
background work only through app.services.tasks, so no module under app/services imports jobs/,
and models import no services.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "admin_views", "public", "jobs")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules(*parts: str) -> list[Path]:
    return sorted((ROOT.joinpath(*parts)).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {name}" for path in files for name in sorted(_imports(path))
            if name.split(".")[0] in forbidden or name.startswith(forbidden)]


def test_services_never_import_jobs_or_surfaces():
    assert _offenders(_modules("app", "services"), ("jobs", "public", "admin_views", "app.api")) == []


def test_models_import_no_services():
    assert _offenders(_modules("app", "models"), ("app.services", "jobs", "public", "admin_views")) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_over_400_lines(package):
    long = [f"{p.relative_to(ROOT)}: {n}" for p in _modules(package)
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES]
    assert long == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_function_over_60_lines(package):
    long = []
    for path in _modules(package):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []
