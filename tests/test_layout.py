"""The package's layout is its pipeline: each stage imports only the stages before it.

latex → read → notation → meaning → verdict → output → (grade, train) → run. A stage never
imports a later one, grade and train never import each other, nothing but run imports run, no
two modules import each other (directly or around a loop), and no module or class grows past
the size a reader can hold.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "derivcheck"

#: Stage → rank; a module may import modules of its own stage or of a lower rank.
STAGES = {"latex": 0, "read": 1, "notation": 2, "meaning": 3, "verdict": 4, "output": 5,
          "grade": 6, "train": 6, "run": 7}
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 300


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every derivcheck module ``path`` imports, at any depth of its code (lazy imports too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.add(full if full in known else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def test_every_module_lives_in_a_stage():
    loose = [m for m in _modules() if _stage(m) is None and m not in ("derivcheck", "derivcheck.__main__")]
    assert loose == [], f"modules outside the stage folders: {loose}"


def _against_pipeline(graph: dict[str, set[str]]) -> list[str]:
    """The imports that go up the pipeline, sideways between grade and train, or into run."""
    wrong = []
    for module, targets in graph.items():
        here = _stage(module)
        for target in targets:
            there = _stage(target)
            if here is None or there is None or here == there:
                continue
            if there == "run" or STAGES[there] >= STAGES[here]:
                wrong.append(f"{module} imports {target}")
    return sorted(wrong)


def test_imports_go_down_the_pipeline_only():
    wrong = _against_pipeline(_graph())
    assert wrong == [], "imports against the pipeline:\n" + "\n".join(wrong)


def test_no_import_cycles():
    cycles = [c for c in _strongly_connected(_graph()) if len(c) > 1]
    assert cycles == [], f"modules that import each other: {cycles}"


def test_the_rules_refuse_what_they_should():
    """The checks themselves: backward, sideways and into-run imports and a loop are found."""
    graph = {"derivcheck.notation.a": {"derivcheck.meaning.b"}, "derivcheck.meaning.b": {"derivcheck.latex.c"},
             "derivcheck.grade.d": {"derivcheck.train.e"}, "derivcheck.output.f": {"derivcheck.run.g"},
             "derivcheck.run.g": {"derivcheck.verdict.h"}}
    assert _against_pipeline(graph) == ["derivcheck.grade.d imports derivcheck.train.e",
                                        "derivcheck.notation.a imports derivcheck.meaning.b",
                                        "derivcheck.output.f imports derivcheck.run.g"]
    loop = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [c for c in _strongly_connected(loop) if len(c) > 1] == [["a", "b", "c"]]


def test_no_module_or_class_is_too_long():
    long = []
    for name, path in _modules().items():
        text = path.read_text()
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            long.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_CLASS_LINES:
                    long.append(f"{name}.{node.name}: {size} lines")
    assert long == [], "too long to read: " + ", ".join(long)


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
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
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out
