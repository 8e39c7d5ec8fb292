"""Fail on ``importlib.import_module("kraken_cli...")``: an import the layer contracts cannot see.

    python scripts/check_dynamic_imports.py [PACKAGE_DIR]

import-linter reads ``import`` statements only, so a module named in a string escapes every
contract (``config`` reached the sandbox that way). Import inside the function instead: it is just
as lazy and the contracts see it. The package's own ``__init__`` (lazy public names, PEP 562) is
the one exception.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {"__init__.py"}  # relative to the package dir


def dynamic_imports(tree: ast.AST, package: str) -> Iterator[tuple[int, str]]:
    """Yield (line, module) for each import_module/__import__ of a literal project module."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        target = node.args[0]
        if (
            name in {"import_module", "__import__"}
            and isinstance(target, ast.Constant)
            and isinstance(target.value, str)
            and target.value.split(".")[0] == package
        ):
            yield node.lineno, target.value


def main() -> int:
    """Print each hidden import; exit 1 if there is any."""
    package_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "kraken_cli").resolve()
    found = 0
    for path in sorted(package_dir.rglob("*.py")):
        if str(path.relative_to(package_dir)) in ALLOWED:
            continue
        for line, module in sorted(dynamic_imports(ast.parse(path.read_text()), package_dir.name)):
            found += 1
            where = path.relative_to(package_dir.parent)
            print(f"{where}:{line}: imports {module} by name; use an import statement")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
