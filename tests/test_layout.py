"""The package's layout holds: layers point down, no import cycles, no parser in a search process,
modules and functions of a readable size (docs/architecture.md states the rules)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "askdocs"
# Each top-level part of the package and its layer: a module imports only from a lower layer or
# from its own part. `ingest`, `search` and `accounts` share a layer and never import each other; the package
# root (the public API: `Searcher`, the settings and records) sits beside them; `__main__` is an entry point.
LAYERS = {
    "leaf": 0,
    "encoders": 1,
    "index": 2,
    "ingest": 3,
    "search": 3,
    "accounts": 3,
    "root": 3,
    "serve": 4,
    "entry": 5,
}
LEAF_MODULES = {
    "errors",
    "records",
    "settings",
    "fileio",
    "cleaning",
    "vectors",
    "library_settings",
    "libraries",
    "languages",
    "ray_session",
}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, name: str) -> set[str]:
    """Every askdocs module this one imports, at the top or inside a function."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    known = modules()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("askdocs"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if not base.startswith("askdocs"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return {f for f in found if f != name}


def part_of(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "root"
    if parts[1] == "__main__":
        return "entry"
    return parts[1] if parts[1] in LAYERS else "leaf"


def test_layers_point_down_only() -> None:
    wrong = []
    for name, path in modules().items():
        here = part_of(name)
        for target in imports_of(path, name):
            there = part_of(target)
            if there != here and LAYERS[there] >= LAYERS[here] and here != "root":
                wrong.append(f"{name} ({here}) imports {target} ({there})")
    assert not wrong, "\n".join(wrong)


def test_leaf_modules_are_the_listed_ones() -> None:
    leaves = {name.split(".")[1] for name in modules() if part_of(name) == "leaf"}
    assert leaves == LEAF_MODULES


def test_no_import_cycles() -> None:
    graph = {name: imports_of(path, name) for name, path in modules().items()}
    # A package's __init__ re-exporting its own modules is not a cycle of responsibilities.
    graph = {n: {t for t in ts if not (n.startswith(t + ".") and t in graph)} for n, ts in graph.items()}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(
                    " -> ".join([*trail[trail.index(target) :], node, target])
                    if target in trail
                    else f"{node} -> {target}"
                )
            elif target not in state:
                visit(target, [*trail, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert not cycles, "\n".join(cycles)


def test_modules_and_functions_are_a_screenful_or_two() -> None:
    long_modules, long_functions = [], []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{name}.{node.name}: {length} lines")
    assert not long_modules and not long_functions, "\n".join(long_modules + long_functions)


def test_a_search_process_imports_no_parser(seed_like_index: Path) -> None:
    code = (
        "import sys\nfrom askdocs import Searcher\n"
        f"hits = Searcher.load({str(seed_like_index)!r}).search('hip pain', k=2)\n"
        "assert hits\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('askdocs.ingest') or m.split('.')[0] in "
        "{'pypdf', 'docx', 'pptx', 'openpyxl', 'odf', 'ebooklib', 'striprtf', 'bs4', 'markdown_it', 'rapidocr_onnxruntime',"
        " 'pypdfium2', 'sentencex', 'datasketch', 'torch', 'sentence_transformers', 'ray'})\n"
        "print(loaded)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("rule", ["layers", "cycles"])
def test_the_rules_catch_what_they_are_for(tmp_path: Path, rule: str) -> None:
    """A checker that cannot fail proves nothing: a module that breaks each rule is caught."""
    fake = tmp_path / "askdocs"
    (fake / "index").mkdir(parents=True)
    (fake / "serve").mkdir()
    for folder in (fake, fake / "index", fake / "serve"):
        (folder / "__init__.py").write_text("")
    if rule == "layers":
        (fake / "index" / "a.py").write_text("from askdocs.serve.b import x\n")
        (fake / "serve" / "b.py").write_text("x = 1\n")
    else:
        (fake / "index" / "a.py").write_text("from askdocs.index.b import y\nx = 1\n")
        (fake / "index" / "b.py").write_text("from askdocs.index.a import x\ny = 2\n")
    global ROOT, PACKAGE
    saved = ROOT, PACKAGE
    ROOT, PACKAGE = tmp_path, fake
    try:
        with pytest.raises(AssertionError):
            (test_layers_point_down_only if rule == "layers" else test_no_import_cycles)()
    finally:
        ROOT, PACKAGE = saved
