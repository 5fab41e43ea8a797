"""The domain's modules import each other without cycles (issue 13, item 6).

A cycle used to be hidden by function-local imports (``send_to_qc`` and ``park_ticket``
importing from ``work_sessions``, which imported ``tickets``); the shared steps now
live in ``domain/workflow.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import shopfloor.domain

DOMAIN = Path(shopfloor.domain.__file__).parent


def _sibling_imports(tree: ast.Module) -> set[str]:
    """Domain modules imported at module level (``from .x import ...``)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _local_imports(tree: ast.Module) -> list[str]:
    """``from .x import`` statements inside functions: they hide cycles."""
    return [
        f"line {inner.lineno}: from .{inner.module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.ImportFrom) and inner.level == 1
    ]


def _graph() -> dict[str, set[str]]:
    return {
        path.stem: _sibling_imports(ast.parse(path.read_text()))
        for path in DOMAIN.glob("*.py")
        if path.stem != "__init__"  # it re-exports every module, lazily
    }


def test_no_domain_module_imports_a_sibling_inside_a_function() -> None:
    hidden = {
        path.name: lines
        for path in DOMAIN.glob("*.py")
        if path.stem != "__init__" and (lines := _local_imports(ast.parse(path.read_text())))
    }
    assert hidden == {}


def test_the_domain_modules_import_each_other_without_a_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = " -> ".join([*path[path.index(module) :], module])
            raise AssertionError(f"import cycle: {cycle}")
        if module in done or module not in graph:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert graph["work_sessions"].isdisjoint({"tickets"})
