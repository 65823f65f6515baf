"""The packages of `loupe` import each other without a cycle, so each can be read, tested and
changed from the bottom up: `warehouse` knows nothing of `schema`, `schema` nothing of `history`.

Every module under `loupe` is parsed (not imported) and all of its imports count: those inside
functions and under `TYPE_CHECKING` too, since a cycle hidden there is still a cycle of design.
A module maps to its package below `loupe` (`loupe.history.live` is `history`); a top-level
module (`loupe.settings`, `loupe.errors`) is a node of its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import loupe

ROOT = "loupe"
# Packages whose modules must not import each other in a cycle either.
MODULE_ACYCLIC = ("simulate",)


def modules() -> dict[str, Path]:
    """Every module under `loupe`, by dotted name, with its source file.

    The source tree is walked rather than `pkgutil.walk_packages`, which skips a directory
    without `__init__.py` (a namespace package such as `loupe.ingest`)."""
    found: dict[str, Path] = {}
    for top in map(Path, loupe.__path__):
        for path in sorted(top.rglob("*.py")):
            parts = [ROOT, *path.relative_to(top).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The `loupe` modules that module `name` imports anywhere in its source."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            targets.add(base)
            # `from loupe.simulate import endpoints` imports the module `endpoints`.
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return {target for target in targets if target in known and target != name}


def graph(node_of: dict[str, str]) -> dict[str, set[str]]:
    """Edges between nodes, from the imports of every module that has a node."""
    found = modules()
    edges: dict[str, set[str]] = {}
    for name, path in found.items():
        if name not in node_of:
            continue
        source = node_of[name]
        for target in imported(name, path, found):
            if target in node_of and node_of[target] != source:
                edges.setdefault(source, set()).add(node_of[target])
    return edges


def package_of(name: str) -> str:
    """`loupe.history.live` -> `history`; `loupe.settings` -> `settings`; `loupe` -> `loupe`."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node (Tarjan), as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(set(edges) | {t for ts in edges.values() for t in ts}):
        if node not in index:
            visit(node)
    return [_path(edges, component) for component in components]


def _path(edges: dict[str, set[str]], component: set[str]) -> list[str]:
    """A cycle through the component's smallest node: start -> ... -> start."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for target in sorted(edges.get(node, ()) & component):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if target not in parents:
                parents[target] = node
                frontier.append(target)
    return sorted(component)


def test_packages_import_without_a_cycle() -> None:
    edges = graph({name: package_of(name) for name in modules()})
    found = [" -> ".join(cycle) for cycle in cycles(edges)]
    assert not found, f"import cycles between loupe packages: {found}"


def test_modules_of_simulate_import_without_a_cycle() -> None:
    for package in MODULE_ACYCLIC:
        prefix = f"{ROOT}.{package}."
        edges = graph({name: name for name in modules() if name.startswith(prefix)})
        found = [" -> ".join(cycle) for cycle in cycles(edges)]
        assert not found, f"import cycles between modules of loupe.{package}: {found}"


def test_a_cycle_is_found_and_named() -> None:
    edges = {"schema": {"warehouse", "history"}, "history": {"schema"}, "warehouse": set()}
    assert cycles(edges) == [["history", "schema", "history"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
