"""The layout by concern stays as docs/ARCHITECTURE.md draws it.

A short walk over the source's import statements (no third-party tool: the rules are few and
the walk is plain `ast`). Imports under `if TYPE_CHECKING:` are names for type hints, not
dependencies at run time, so they are left out: the core's packages receive the wiring
(`assistant.services.Services`) that imports them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("assistant", "carecall", "webhooks", "dashboard")
# The core's packages, lowest first: each may import only those before it.
LAYERS = ("foundation", "records", "telephony", "safety", "care_team", "conversation",
          "outreach", "intake", "services", "authoring", "reporting")
MAX_LINES = 400  # a module longer than this does more than one job: split it


def _modules() -> Iterator[tuple[str, Path]]:
    for package in OURS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path) -> set[str]:
    """Every module this one imports at run time (deferred imports inside functions too)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


GRAPH = {name: _imports(name, path) for name, path in _modules()}


def _area(module: str) -> str | None:
    """The unit the rules speak of: a core package (`assistant.outreach`), the wiring module
    (`assistant.services`), or a top-level package (`carecall`, `webhooks`, `dashboard`)."""
    parts = module.split(".")
    if parts[0] not in OURS:
        return None
    if parts[0] == "assistant":
        return "assistant." + parts[1] if len(parts) > 1 else "assistant"
    return parts[0]


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, imported in GRAPH.items():
        source = _area(module)
        for target in imported:
            area = _area(target)
            if source and area and area != source and (target in GRAPH or area == target):
                edges[source].add(area)
    return edges


def test_the_core_imports_no_web_and_no_composition_root() -> None:
    forbidden = ("flask", "flask_login", "flask_wtf", "carecall", "webhooks", "dashboard", "web")
    offenders = sorted(f"{module} imports {target}" for module, imported in GRAPH.items()
                       if module.startswith("assistant") for target in imported
                       if target.split(".")[0] in forbidden)
    assert offenders == []


def test_webhooks_and_dashboard_never_import_each_other_nor_the_composition_root() -> None:
    edges = _edges()
    assert "dashboard" not in edges["webhooks"] and "webhooks" not in edges["dashboard"]
    assert "carecall" not in edges["webhooks"] | edges["dashboard"]


def test_each_core_package_imports_only_those_below_it() -> None:
    rank = {f"assistant.{layer}": i for i, layer in enumerate(LAYERS)}
    upward = sorted(f"{source} imports {target}" for source, targets in _edges().items()
                    if source in rank for target in targets
                    if target in rank and rank[target] > rank[source])
    assert upward == []


def test_no_import_circle_between_packages() -> None:
    edges = _edges()
    cycles = []

    def walk(node: str, path: list[str]) -> None:
        for target in sorted(edges.get(node, ())):
            if target in path:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif len(path) < len(edges) + 1:
                walk(target, [*path, target])

    for start in sorted(edges):
        walk(start, [start])
    assert cycles == []


def test_every_core_package_says_what_it_holds_and_may_import() -> None:
    for layer in (layer for layer in LAYERS if layer != "services"):
        init = ROOT / "assistant" / layer / "__init__.py"
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert layer == "foundation" or "May import" in docstring, init
        assert len(docstring) > 40, init


def test_modules_stay_small() -> None:
    long = sorted(str(path.relative_to(ROOT)) for _, path in _modules()
                  if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES)
    assert long == [], f"split these: {long}"


@pytest.mark.parametrize("rule", ["core", "circle"])
def test_the_walk_sees_a_breach_when_there_is_one(rule: str) -> None:
    """The rules above would pass on an empty graph: show the walk finds real edges."""
    edges = _edges()
    if rule == "core":
        assert "assistant.records" in edges["assistant.conversation"]
        assert "dashboard" in edges["carecall"] and "assistant.outreach" in edges["webhooks"]
    else:
        assert "assistant.services" in edges["assistant.authoring"]
        assert "assistant.foundation" in edges["assistant.records"]
