#!/usr/bin/env python3
"""Print the shape of Sapa's code: the largest modules and the longest functions.

    python scripts/code_shape.py [--top 15] [--root src/sapa]

Lines are counted as in the file (blank lines and comments included);
a function's length runs from its `def` (decorators excluded) to its last line.
Migrations are left out. Used for the before/after numbers of refactors.
"""

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules(root: Path):
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path


def functions(tree: ast.AST, prefix: str = ""):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{node.name}", node.end_lineno - node.lineno + 1
            yield from functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--root", default=str(ROOT / "src" / "sapa"))
    args = parser.parse_args()
    root = Path(args.root)
    sizes, lengths = [], []
    total = 0
    for path in modules(root):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        total += lines
        name = str(path.relative_to(root.parent))
        sizes.append((lines, name))
        for func, length in functions(ast.parse(text)):
            lengths.append((length, f"{name}:{func}"))
    sizes.sort(reverse=True)
    lengths.sort(reverse=True)
    print(f"{len(sizes)} modules, {total} lines (migrations left out)")
    print(f"\nlargest modules (top {args.top})")
    for lines, name in sizes[: args.top]:
        print(f"  {lines:6d}  {name}")
    print(f"\nlongest functions (top {args.top})")
    for length, name in lengths[: args.top]:
        print(f"  {length:6d}  {name}")
    over = sum(1 for length, _ in lengths if length > 60)
    print(f"\nfunctions over 60 lines: {over} of {len(lengths)}")


if __name__ == "__main__":
    main()
