"""The dependency rules of ARCHITECTURE.md, checked on the source: an AST walk
over every import of every module (at the top and inside functions alike)
that fails on an import against the rules and on any import cycle.

A new top-level package fails until it has its row in :data:`MAY_IMPORT`, so
every new area is under the rules from its first commit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LIBRARIES = frozenset({"omr", "sample_sheets"})
"""Beside the flow: any area may import them; they import no area."""
FLOW = ("capture", "edit_station", "scoring", "reports")
"""The areas, upstream first (handscore sits beside edit_station)."""

MAY_IMPORT: dict[str, frozenset[str]] = {
    "station": frozenset({"station"}),
    "omr": frozenset({"omr", "sample_sheets"}),
    "sample_sheets": frozenset({"sample_sheets"}),
    "capture": frozenset({"station", *LIBRARIES, "capture"}),
    "edit_station": frozenset({"station", *LIBRARIES, "capture", "edit_station"}),
    "handscore": frozenset({"station", *LIBRARIES, "capture", "handscore"}),
    "scoring": frozenset({"station", *LIBRARIES, "capture", "edit_station", "handscore",
                          "scoring"}),
    "reports": frozenset({"station", *LIBRARIES, *FLOW, "handscore"}),
    "app": frozenset({"station", *LIBRARIES, *FLOW, "handscore"}),
}
"""Each package (and ``app.py``) and the packages of this project it may import."""

NEVER: dict[str, tuple[str, ...]] = {
    "omr": ("sample_sheets.deck", "flask", "sqlalchemy", "rq", "redis", "werkzeug", "psycopg"),
    "sample_sheets": ("flask", "sqlalchemy", "rq", "redis", "werkzeug", "psycopg"),
}
"""Modules a package never imports (nor anything inside them): the libraries
know nothing of the web, the database or the queue, and omr nothing of the
test-deck generator."""

NOT_PACKAGES = frozenset({"tests", "bench", "migrations", "bin", "docs", "var"})
"""Top-level folders that are not packages of the application (scripts, tests)."""


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the application by dotted name (``app`` and the packages)."""
    found = {"app": root / "app.py"} if (root / "app.py").exists() else {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name in NOT_PACKAGES or not folder.name.isidentifier():
            continue
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """The modules ``name`` imports (dotted, relative ones resolved), with the line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield from ((f"{base}.{alias.name}", node.lineno) for alias in node.names)


def project_module(target: str, known: dict[str, Path]) -> str | None:
    """The module of this project that an imported name is (``capture.batches.advance``
    is ``capture.batches``), or None for another library's."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            return ".".join(parts[:end])
    return None


def import_graph(root: Path = ROOT) -> tuple[dict[str, set[str]], list[str]]:
    """Module → the project modules it imports; and the imports against the rules."""
    known, graph, broken = modules(root), {}, []
    for name, path in known.items():
        package = name.split(".")[0]
        graph[name] = set()
        for target, line in imported(name, path):
            where = f"{path.relative_to(root)}:{line} imports {target}"
            if any(target == never or target.startswith(never + ".")
                   for never in NEVER.get(package, ())):
                broken.append(f"{where}: {package} never imports it")
            module = project_module(target, known)
            if module is None or module == name:
                continue
            graph[name].add(module)
            if module.split(".")[0] not in MAY_IMPORT.get(package, frozenset()):
                broken.append(f"{where}: {package} may import only "
                              f"{', '.join(sorted(MAY_IMPORT.get(package, ())))}")
    return graph, broken


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph``: one list of modules for each strongly
    connected component of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_package_has_its_rules():
    packages = {name.split(".")[0] for name in modules()}
    assert packages - set(MAY_IMPORT) == set(), "add the new package's row to MAY_IMPORT"


def test_no_import_breaks_the_dependency_rules():
    _graph, broken = import_graph()
    assert broken == []


def test_no_import_cycles():
    graph, _broken = import_graph()
    assert cycles(graph) == []


def test_the_walk_finds_hidden_imports_broken_rules_and_cycles(tmp_path):
    """The checker itself, on a small tree: an import inside a function counts,
    a downstream or web import is refused, a cycle through it is found, and a
    package without rules fails."""
    for name, text in {
        "station/__init__.py": "",
        "station/queue.py": "def f():\n    from capture.batches import advance\n",
        "capture/batches.py": "from station import queue\nfrom scoring import scores\n",
        "omr/read.py": "import flask\nfrom sample_sheets.deck import generate\n",
        "scoring/scores.py": "from . import tables\n",
        "scoring/tables.py": "from capture.batches import advance\n",
        "newarea/views.py": "",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph, broken = import_graph(tmp_path)
    assert [b.split(": ")[0] for b in broken] == [
        "capture/batches.py:2 imports scoring.scores",
        "omr/read.py:1 imports flask",
        "omr/read.py:2 imports sample_sheets.deck.generate",
        "station/queue.py:2 imports capture.batches.advance"]
    assert graph["scoring.scores"] == {"scoring.tables"}
    assert cycles(graph) == [["capture.batches", "scoring.scores", "scoring.tables",
                              "station.queue"]]
    assert {n.split(".")[0] for n in modules(tmp_path)} - set(MAY_IMPORT) == {"newarea"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
