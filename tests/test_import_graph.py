"""The tfgen package's import graph: no cycles, no private name imported across modules,
and the layers along the pipeline (docs/design/layout.md): blueprint <- render <- outdir <-
review <- deploy <- cli. A module may import its own layer or a lower one, never a higher.

The graph is read from the source (ast), not by importing: every `import`/`from ... import`
of a tfgen module, wherever it stands. A function-level (lazy) import is an edge too:
it only postpones the cycle to run time and hides it from the reader, which is how
context -> state_backend -> render -> context went unnoticed. Imports under
`if TYPE_CHECKING:` count as well: the types still tie the modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

PACKAGE = REPO / "tfgen"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every tfgen import in the file."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[str, str | None, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names
                      if a.name.split(".")[0] == "tfgen"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != "tfgen":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub, None, node.lineno) if sub in modules
                             else (base, alias.name, node.lineno))
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private: list[str] = []
    for f in files:
        here = _module_name(f)
        for target, name, line in _imports(f, modules):
            if target != here and target in modules:
                graph[here].add(target)
            if name is not None and name.startswith("_") and not name.endswith("__") \
                    and target != here:
                private.append(f"{f.relative_to(REPO)}:{line} imports {target}.{name}")
    return graph, private


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), or self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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
            if len(component) > 1 or v in graph[v]:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read() -> None:
    graph, _ = _graph()
    assert "tfgen.render.context" in graph["tfgen.render.render"]
    assert "tfgen.render.jinja_env" in graph["tfgen.render.state_backend"]


def test_no_import_cycles() -> None:
    graph, _ = _graph()
    assert _cycles(graph) == []


def test_a_cycle_is_seen() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_name_imported_across_modules() -> None:
    _, private = _graph()
    assert private == []


#: The subpackages from the bottom of the pipeline to the top (docs/design/layout.md).
LAYERS = ("blueprint", "render", "outdir", "review", "deploy", "cli")
#: Top-level modules: shared by every layer (rank 0), or the façade over blueprint and
#: render that outdir and above call (tfgen.project: `tfgen affected` imports it by name
#: from any revision, so it keeps its path).
TOP = {"tfgen": 0.0, "tfgen.errors": 0.0, "tfgen.paths": 0.0, "tfgen.project": 2.5}


def _dotted(*parts: str) -> str:
    return ".".join(("tfgen", *parts))




def _rank(module: str) -> float | None:
    if module in TOP:
        return TOP[module]
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return float(LAYERS.index(parts[1]) + 1)
    return None


def _upward(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    found = set()
    for here, targets in graph.items():
        for target in targets:
            low, high = _rank(here), _rank(target)
            if low is not None and high is not None and high > low:
                found.add((here, target))
    return found


def test_every_module_has_a_layer() -> None:
    graph, _ = _graph()
    assert sorted(m for m in graph if _rank(m) is None) == []


def test_no_layer_imports_a_higher_one() -> None:
    graph, _ = _graph()
    assert sorted(_upward(graph)) == []


def test_an_upward_import_is_seen() -> None:
    graph = {_dotted("blueprint", "a"): {_dotted("review", "b")},
             _dotted("cli", "c"): {_dotted("blueprint", "a"), "tfgen.errors"},
             "tfgen.errors": set()}
    assert _upward(graph) == {(_dotted("blueprint", "a"), _dotted("review", "b"))}
