"""The TUI stays thin: no SQL in screens, and every key lives in one module."""

from __future__ import annotations

import ast
from pathlib import Path

import shopfloor

TUI = Path(shopfloor.__file__).parent
TUI_FILES = [
    TUI / "app.py",
    *sorted((TUI / "screens").glob("*.py")),
    *(TUI / "widgets").glob("*.py"),
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_screens_and_widgets_never_touch_sqlalchemy() -> None:
    offenders = [
        p.name for p in TUI_FILES if any(m.startswith("sqlalchemy") for m in imported_modules(p))
    ]
    assert offenders == []


def test_bindings_are_declared_only_in_the_keys_module() -> None:
    offenders = [p.name for p in TUI_FILES if "Binding(" in p.read_text(encoding="utf-8")]
    assert offenders == []
