"""The code's architecture, enforced: data flows up through layers and no import runs back down or in a circle.

Layers, lowest first (README "How the code is laid out"): errors/version -> data -> rules -> engine -> api ->
analysis -> report -> cli, with the app's `ui/` beside the CLI and `app.py` on top. A module may import its
own layer and any lower one. Imports are read with `ast` (lazy imports inside functions count too), so a
test never has to import the app to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (layer, rank, module prefixes); the longest matching prefix decides a module's layer
LAYERS = [
    ("base", 0, ("sim.errors", "sim.version")),
    ("data", 1, ("sim.data",)),
    ("rules", 2, ("sim.rules",)),
    ("engine", 3, ("sim.engine",)),
    ("api", 4, ("sim.api", "sim")),  # `sim` itself: the package facade re-exports a few lower names
    ("analysis", 5, ("sim.analysis",)),
    ("report", 6, ("sim.report",)),
    ("cli", 7, ("sim.cli", "sim.cli_options", "sim.cli_flows", "sim.cli_memo", "sim.__main__")),
    ("ui", 7, ("ui",)),
    ("app", 8, ("app",)),
]


def layer_of(module: str) -> tuple[str, int] | None:
    best = None
    for name, rank, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), name, rank)
    return (best[1], best[2]) if best else None


def project_sources(root: Path = ROOT) -> dict[str, tuple[str, bool]]:
    """module name -> (source, is_package) for sim/, ui/ and app.py."""
    out = {}
    for top in ("sim", "ui"):
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            out[".".join(parts)] = (path.read_text(encoding="utf-8"), is_package)
    out["app"] = ((root / "app.py").read_text(encoding="utf-8"), False)
    return out


def imports_of(module: str, source: str, is_package: bool, known: set[str]) -> set[str]:
    """Project modules that `module` imports, wherever the import statement sits."""
    found = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import sim.analysis.sweep` -> that module
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    known = set(sources)
    return {m: imports_of(m, src, pkg, known) for m, (src, pkg) in sources.items()}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a higher layer (or of a sibling layer at the same rank, e.g. cli <-> ui)."""
    bad = []
    for module, targets in sorted(graph.items()):
        here = layer_of(module)
        assert here is not None, f"{module} belongs to no layer: add it to LAYERS"
        for target in sorted(targets):
            there = layer_of(target)
            if there[0] != here[0] and there[1] >= here[1]:
                bad.append(f"{module} ({here[0]}) imports {target} ({there[0]})")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def graph():
    return import_graph(project_sources())


def test_no_module_imports_a_higher_layer(graph):
    assert upward_imports(graph) == []


def test_no_import_cycle(graph):
    assert cycles(graph) == []


def test_sim_knows_nothing_of_the_app(graph):
    assert not {(m, t) for m, ts in graph.items() if m.startswith("sim") for t in ts if not t.startswith("sim")}


def test_the_graph_reads_real_imports(graph):
    """Guards the checker itself: relative, lazy and `from package import module` imports all resolve."""
    assert "sim.data.schema" in graph["sim.data.chips"]  # from .schema import ...
    assert "sim.data.destinations" in graph["sim.analysis.sweep"]  # from ..data import destinations as dest_mod
    assert "sim.analysis.montecarlo" in graph["sim.cli"]  # lazy, inside a function
    assert "ui.view" in graph["ui.state"]  # from . import periods, view


@pytest.mark.parametrize("sources, expected", [
    ({"sim.data.chips": ("from ..engine.metrics import compute_metrics", False), "sim.engine.metrics": ("", False)},
     ["sim.data.chips (data) imports sim.engine.metrics (engine)"]),
    ({"sim.engine.metrics": ("def f():\n    from ..analysis import sweep\n", False), "sim.analysis.sweep": ("", False)},
     ["sim.engine.metrics (engine) imports sim.analysis.sweep (analysis)"]),
    ({"sim.analysis.sweep": ("import sim.report.plots", False), "sim.report.plots": ("", False)},
     ["sim.analysis.sweep (analysis) imports sim.report.plots (report)"]),
    ({"sim.cli": ("from ui import view", False), "ui.view": ("", False)}, ["sim.cli (cli) imports ui.view (ui)"]),
])
def test_an_upward_import_is_caught(sources, expected):
    assert upward_imports(import_graph(sources)) == expected


def test_a_cycle_is_caught():
    sources = {"ui.periods": ("from .state import preset", False), "ui.state": ("from . import view", False),
               "ui.view": ("def load():\n    from . import periods\n", False), "ui": ("", True)}
    assert cycles(import_graph(sources)) == [["ui.periods", "ui.state", "ui.view"]]
