"""slacore.scope: the dimensions listed once, and a module graph without an import circle."""

from __future__ import annotations

import ast
from dataclasses import fields

from paths import REPO


def _imports() -> dict[str, set[str]]:
    """slacore module -> the slacore modules it imports, at the top or inside a function (both count; imports for
    type checkers only, under `if TYPE_CHECKING:`, do not run and do not count)."""
    graph = {}
    root = REPO / "slacore"
    for path in root.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = ".".join(parts[:-1])
        found = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                if not module.startswith("slacore"):
                    continue
                found.add(module)
                for alias in node.names:  # `from . import clocks` names a module
                    if (root.parent / (module.replace(".", "/") + "/" + alias.name + ".py")).exists():
                        found.add(f"{module}.{alias.name}")
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("slacore"))
        graph[name] = found - {name}
    return graph


def test_no_slacore_module_imports_itself_through_others():
    graph = _imports()
    assert {"slacore.scope", "slacore.metrics", "slacore.clocks", "slacore.quality"} <= set(graph)

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    circles = sorted(m for m in graph if m in reach(m) and m != "slacore")
    assert circles == [], f"import circles through {circles}"


def test_the_filter_dimensions_are_listed_once():
    from slacore import overview, targets, view_state
    from slacore.scope import DIMENSIONS, FILTER_DIMENSIONS, SCOPE_FIELDS, Filters
    from slacore.view_state import ViewState

    assert [f.name for f in fields(Filters)][:len(FILTER_DIMENSIONS)] == list(FILTER_DIMENSIONS)
    assert set(FILTER_DIMENSIONS) <= {f.name for f in fields(ViewState)}
    assert view_state.LIST_KEYS is FILTER_DIMENSIONS and targets.SCOPE_FIELDS is SCOPE_FIELDS
    assert set(FILTER_DIMENSIONS) <= set(SCOPE_FIELDS) <= set(DIMENSIONS)
    assert "FILTER_DIMENSIONS" in overview.dimension_values.__code__.co_names
