"""The project's size rules: no module over 500 lines, no function over 50 (its `def` line to
its last line, decorators apart), outside the migrations (Alembic writes those)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cleaning", "corpus", "crawler", "samplesite", "bench", "tests")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 50


def python_files() -> list[Path]:
    found = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    return sorted(p for p in found if "migrations" not in p.relative_to(ROOT).parts)


def long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    functions = (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"
        for node in functions
        if (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    ]


def test_the_check_reads_the_tree() -> None:
    files = python_files()
    assert len(files) > 100 and ROOT / "corpus" / "schema.py" in files
    assert not any("versions" in p.parts for p in files)


def test_no_module_over_500_lines() -> None:
    sizes = {p: len(p.read_text("utf-8").splitlines()) for p in python_files()}
    over = [f"{p.relative_to(ROOT)} ({n} lines)" for p, n in sizes.items() if n > MAX_MODULE_LINES]
    assert not over, f"modules over {MAX_MODULE_LINES} lines; split them by concern: {over}"


def test_no_function_over_50_lines() -> None:
    over = [entry for path in python_files() for entry in long_functions(path)]
    assert not over, f"functions over {MAX_FUNCTION_LINES} lines; split them: {over}"
