"""The package's shape: a cheap import, no import circles, and nothing left at the old addresses."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_helpers_loads_no_pyplot():
    code = "import sys, helpers; print('matplotlib.pyplot' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", "torchrun workers and tools must not pay for pyplot"


def _local_imports(path: Path) -> set[str]:
    """Modules of helpers that `path` imports, as dotted names."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            found.add(f"{base}.{node.module}" if node.module else base)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            found.add(node.module)
    return found


def test_no_import_circles():
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
               for p in (ROOT / "helpers").rglob("*.py")}
    graph = {name: {m for m in _local_imports(path) if m in modules and m != name} for name, path in modules.items()}
    graph = {k: {m for m in v if not m.endswith("helpers")} for k, v in graph.items()}  # the package face
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError(" -> ".join(trail + [node, nxt]))
            if not state.get(nxt):
                visit(nxt, trail + [node])
        state[node] = 2

    for name in graph:
        if not state.get(name):
            visit(name, [])


def test_pipeline_stays_flat_and_lessons_have_rooms():
    flat = {p.stem for p in (ROOT / "helpers").glob("*.py")}
    assert {"readers", "loading", "data", "train", "metrics", "plots"} <= flat
    lesson_only = {"tagging", "baselines", "sentiment", "deploy", "regression", "regularization", "freezing",
                   "augment", "adversarial", "troubleshoot", "bench", "prefetch", "colab", "checks"}
    assert not flat & lesson_only, f"lesson code or programs in the pipeline folder: {sorted(flat & lesson_only)}"
    assert {p.stem for p in (ROOT / "helpers" / "lessons").glob("*.py")} >= {
        "environment", "ner", "sentiment", "regression", "overfitting"}
