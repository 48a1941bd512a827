"""No import cycle between cockpit modules.

The graph is grimp's (the library under import-linter) over the package as a wheel lays it out,
assembled by `scripts/lint_imports.py` (`sources/` becomes `cockpit/sources`, and so on).

Imports inside functions count as edges. Deferring an import keeps a cycle from breaking at
start-up, not from being a cycle: two modules that import each other can no longer be read,
tested or moved one without the other. The cycle this test was written against was exactly
that shape (the action commands imported their console inside a function, the console imported
the commands at its top). `if TYPE_CHECKING:` imports count too, for the same reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs in a child: grimp finds a package through the import system, and in this process
# `cockpit` is the editable install of the source tree, which does not have the mapping.
_GRAPH = """
import json, sys
sys.meta_path[:] = [f for f in sys.meta_path
                    if not str(getattr(f, "__module__", "")).startswith("__editable__")]
import grimp
graph = grimp.build_graph("cockpit", cache_dir=None)
print(json.dumps({m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}))
"""


def _assemble(target: Path) -> None:
    script = ROOT / "scripts" / "lint_imports.py"
    spec = importlib.util.spec_from_file_location("lint_imports", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.assemble(target)


def import_graph(tree: Path) -> dict[str, list[str]]:
    """module → the cockpit modules it imports, for the package assembled under `tree`."""
    result = subprocess.run(
        [sys.executable, "-c", _GRAPH],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    graph: dict[str, list[str]] = json.loads(result.stdout)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Each group of modules that reach one another (Tarjan's strongly connected components),
    as a path that closes on its first module: `a → b → a`."""
    edges = {m: sorted(set(targets) & graph.keys()) for m, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a long chain of imports cannot hit the recursion limit.
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in edges[node]:
                        found.append(_loop(sorted(group), edges))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def _loop(group: list[str], edges: Mapping[str, list[str]]) -> list[str]:
    """One import path through a strongly connected group, back to where it started."""
    members = set(group)
    first = group[0]
    # Breadth-first from `first` inside the group to any module that imports `first`.
    came_from: dict[str, str] = {}
    queue = [first]
    for node in queue:
        for target in edges[node]:
            if target == first:
                path = [node]
                while path[-1] != first:
                    path.append(came_from[path[-1]])
                return [*reversed(path), first]
            if target in members and target not in came_from and target != first:
                came_from[target] = node
                queue.append(target)
    return [first, first]  # unreachable for a real group; keeps the type honest


def _shown(found: list[list[str]]) -> str:
    return "; ".join(" → ".join(loop) for loop in found)


def test_no_import_cycle_between_cockpit_modules(tmp_path: Path) -> None:
    _assemble(tmp_path)
    graph = import_graph(tmp_path)
    # The graph is the whole package, not an empty or partial one.
    assert {"cockpit.cli.main", "cockpit.sources.http.prometheus", "cockpit.core.model"} <= set(
        graph
    )
    assert "cockpit.cli.console" in graph["cockpit.cli.actions"]  # a lazy import is an edge
    found = cycles(graph)
    assert not found, f"import cycle: {_shown(found)}"


def test_a_cycle_through_a_lazy_import_is_found_and_named(tmp_path: Path) -> None:
    """The check can fail: one import added inside a function of the assembled copy closes a
    loop (the core reaching up to the command line), and the failure names every step."""
    _assemble(tmp_path)
    units = tmp_path / "cockpit" / "core" / "units.py"
    units.write_text(
        units.read_text(encoding="utf-8")
        + "\n\ndef _late() -> None:\n    from cockpit.cli import main  # noqa: F401\n",
        encoding="utf-8",
    )
    graph = import_graph(tmp_path)
    found = cycles(graph)
    assert len(found) == 1, _shown(found)
    loop = found[0]
    assert loop[0] == loop[-1]
    assert "cockpit.core.units" in loop and "cockpit.cli.main" in loop
    # Every step of the named path is a real import.
    assert all(b in graph[a] for a, b in pairwise(loop))


def test_the_finder_names_each_loop() -> None:
    graph = {
        "a": ["b"],
        "b": ["c"],
        "c": ["a", "d"],
        "d": [],
        "e": ["e"],
        "f": ["g"],
        "g": ["f"],
    }
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "e"], ["f", "g", "f"]]
    assert cycles({"a": ["b"], "b": ["c"], "c": []}) == []
