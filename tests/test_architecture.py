"""The direction of dependency and the size of the pieces, checked on the source itself.

The domain packages stand on app/common and point one way (README, "Architecture"):

    common        → nothing of ours but app.models and app.extensions
    accounts      → common
    dsar          → accounts, common
    status        → common
    subscriptions → status, common
    sla           → accounts, common (status only through app.models)
    console       → any domain

Surfaces (app/api, public, admin_views) and jobs call the domains, never the reverse; models import
no domain; and no module is part of an import cycle, at the top or hidden inside a function.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "admin_views", "public", "jobs", "bench")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
SURFACES = ("jobs", "public", "admin_views", "app.api", "app.cli", "app.cli_status", "app.auth", "app.web")
DOMAINS = ("accounts", "dsar", "sla", "status", "subscriptions", "console")
# What each domain package may import of the others (common is open to all of them).
ALLOWED = {
    "common": set(),
    "accounts": set(),
    "dsar": {"accounts"},
    "status": set(),
    "subscriptions": {"status"},
    "sla": {"accounts"},
    "console": set(DOMAINS),
}


def _modules(*parts: str) -> list[Path]:
    return sorted((ROOT.joinpath(*parts)).rglob("*.py"))


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (`from x import y` gives x and x.y)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def domain_offenders(root: Path = ROOT) -> list[str]:
    """`<file> imports <module>` for every import that points against the arrows."""
    found = []
    for package in ("common", *DOMAINS):
        forbidden = [f"app.{d}" for d in DOMAINS if d != package and d not in ALLOWED[package]]
        for path in sorted((root / "app" / package).rglob("*.py")):
            for name in sorted(_imports(path)):
                if _is_under(name, forbidden) or _is_under(name, SURFACES):
                    found.append(f"{path.relative_to(root)} imports {name}")
    return found


def cycles(root: Path = ROOT) -> list[str]:
    """Import cycles between our own modules, each as `a → b → … → a`."""
    files = [p for pkg in ("app", "admin_views", "public", "jobs") for p in sorted((root / pkg).rglob("*.py"))]
    names = {_module_name(p, root): p for p in files}
    graph = {}
    for name, path in names.items():
        targets = set()
        for imported in _imports(path):
            # `from app.dsar import exports` names the module app.dsar.exports, not the package
            while imported and imported not in names:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not (name.startswith(imported + ".") or
                                                      names[imported].name == "__init__.py"):
                targets.add(imported)
        graph[name] = targets
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(" → ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_domains_import_along_the_arrows():
    assert domain_offenders() == []


def test_the_arrow_check_catches_a_planted_wrong_import(tmp_path):
    """A status module importing sla is reported, file and import named."""
    for package in ("common", *DOMAINS):
        (tmp_path / "app" / package).mkdir(parents=True)
    (tmp_path / "app" / "status" / "planted.py").write_text("from app.sla import claims\n")
    (tmp_path / "app" / "common" / "planted.py").write_text("def f():\n    from app.status import page\n")
    assert domain_offenders(tmp_path) == ["app/common/planted.py imports app.status",
                                          "app/common/planted.py imports app.status.page",
                                          "app/status/planted.py imports app.sla",
                                          "app/status/planted.py imports app.sla.claims"]


def test_no_import_cycles():
    assert cycles() == []


def test_the_cycle_check_catches_a_hidden_cycle(tmp_path):
    for package in ("app/dsar", "admin_views", "public", "jobs"):
        (tmp_path / package).mkdir(parents=True)
    (tmp_path / "app" / "dsar" / "a.py").write_text("from app.dsar import b\n")
    (tmp_path / "app" / "dsar" / "b.py").write_text("def f():\n    from app.dsar.a import x\n")
    assert cycles(tmp_path) == ["app.dsar.a → app.dsar.b → app.dsar.a"]


def test_surfaces_are_never_imported_by_domains_or_models():
    offenders = [f"{p.relative_to(ROOT)} imports {n}" for p in _modules("app", "models") for n in _imports(p)
                 if _is_under(n, [f"app.{d}" for d in ("common", *DOMAINS)]) or _is_under(n, SURFACES)]
    assert offenders == []


def test_serializers_import_only_models_and_common():
    """A serializer turns rows into JSON: it reads models and app.common (iso, money), never a service."""
    allowed = ("app.models", "app.common", "__future__", "datetime")
    offenders = [f"{p.relative_to(ROOT)} imports {n}" for p in sorted((ROOT / "app").glob("*/serializers.py"))
                 for n in sorted(_imports(p)) if not _is_under(n, allowed)]
    assert offenders == []


def test_the_old_flat_services_folder_is_gone():
    assert not (ROOT / "app" / "services").exists() and not (ROOT / "app" / "serializers").exists()


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
