"""Print the size and structure figures of kraken_cli: largest modules and functions, import cycles.

    python scripts/code_stats.py [--top N] [PACKAGE_DIR]

Module size counts every line of the file; function size runs from its ``def`` (decorators
excluded) to its last line, docstring included; nested functions count inside their parent and
are listed on their own too. Cycles are the strongly connected groups of modules in grimp's import
graph (a package's ``__init__`` counts as a module), so one group may hold several loops.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path, package_dir: Path) -> str:
    """Return the dotted module name of ``path`` inside ``package_dir``."""
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def functions(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Yield (qualified name, line count) for every function and method in ``tree``."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    yield name, (child.end_lineno or child.lineno) - child.lineno + 1
                yield from walk(child, name + ".")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def import_cycles(package: str) -> list[list[str]]:
    """Return the groups of modules that import each other (Tarjan's strongly connected parts)."""
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges[module]:
            if target not in index:
                connect(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for module in sorted(edges):
        if module not in index:
            connect(module)
    return sorted(groups)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", nargs="?", default=str(ROOT / "kraken_cli"))
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    package_dir = Path(args.package_dir).resolve()
    modules: list[tuple[int, str]] = []
    funcs: list[tuple[int, str]] = []
    for path in sorted(package_dir.rglob("*.py")):
        text = path.read_text()
        name = module_name(path, package_dir)
        modules.append((len(text.splitlines()), name))
        funcs += [(size, f"{name}.{qual}") for qual, size in functions(ast.parse(text))]
    modules.sort(reverse=True)
    funcs.sort(reverse=True)
    over_400 = sum(1 for size, _ in modules if size > 400)
    over_40 = sum(1 for size, _ in funcs if size > 40)
    print(f"modules: {len(modules)} ({over_400} over 400 lines); largest:")
    for size, name in modules[: args.top]:
        print(f"  {size:5d}  {name}")
    print(f"functions: {len(funcs)} ({over_40} over 40 lines); largest:")
    for size, name in funcs[: args.top]:
        print(f"  {size:5d}  {name}")
    sys.path.insert(0, str(package_dir.parent))
    groups = import_cycles(package_dir.name)
    print(f"import cycles (groups of modules importing each other): {len(groups)}")
    for group in groups:
        print("  " + " <-> ".join(group))


if __name__ == "__main__":
    main()
