#!/usr/bin/env python3
"""Which Sapa app imports which, read from the code with `ast` (nothing is imported).

    python scripts/app_graph.py              # the graph, cycles, function-level imports
    python scripts/app_graph.py --dot        # Graphviz of the app graph on stdout
    python scripts/app_graph.py --mermaid    # Mermaid of the app graph on stdout
    python scripts/app_graph.py --write-docs # replace the generated section of docs/architecture.md

An app is a package `sapa.<name>`; the top-level modules (`sapa.settings`, `sapa.urls`,
`sapa.cli`, `sapa.server`, `sapa.config`, ...) are "the project", not an app. Every import
is read: at module level (run when the module is imported, including class bodies and
`try`) and inside functions (run when the function is called). Imports under
`if TYPE_CHECKING:` are left out. tests/test_architecture.py uses this module.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
DOCS = ROOT / "docs" / "architecture.md"
PROJECT = "project"
# Arrows against the layering (tests/test_architecture.py, ALLOWED) that sit in files being
# changed on other branches of issue 15: each goes with its branch, and the lead empties this
# set after merging them. The picture draws them as dotted "loop" arrows. Nothing else may be
# added here.
KNOWN_LOOPS_TO_REMOVE: set[tuple[str, str]] = set()  # all removed (issue 15)
START = "<!-- app-graph:start -->"
END = "<!-- app-graph:end -->"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. sapa.events.services
    path: str  # its file, relative to the repository
    line: int
    target: str  # the module imported (sapa.mail.services, django.db, json)
    inside: bool  # inside a function (run when called), not at import time


@dataclass
class Code:
    modules: dict[str, Path] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Code({len(self.modules)} modules, {len(self.imports)} imports)"

    def app_of(self, module: str) -> str | None:
        """`sapa.events` for sapa.events.x; PROJECT for sapa.settings; None outside Sapa."""
        parts = module.split(".")
        if parts[0] != "sapa":
            return None
        if len(parts) == 1:
            return PROJECT
        if f"sapa.{parts[1]}" in self.packages:
            return f"sapa.{parts[1]}"
        return PROJECT

    @property
    def packages(self) -> set[str]:
        return {m for m, p in self.modules.items() if p.name == "__init__.py"}

    @property
    def apps(self) -> list[str]:
        return sorted({self.app_of(m) for m in self.modules} - {PROJECT, None})

    def own(self) -> list[Import]:
        """Imports of Sapa's code."""
        return [i for i in self.imports if self.app_of(i.target)]

    def edges(self) -> dict[str, dict[str, list[Import]]]:
        """app -> app it imports -> the imports doing it (project modules left out)."""
        out: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
        for i in self.own():
            src, dst = self.app_of(i.module), self.app_of(i.target)
            if src != dst and PROJECT not in (src, dst):
                out[src][dst].append(i)
        return out

    def graph(self) -> dict[str, set[str]]:
        edges = self.edges()
        return {app: set(edges.get(app, {})) for app in self.apps}

    def uses_project(self) -> dict[str, set[str]]:
        """app -> the project modules it imports (sapa.config)."""
        out: dict[str, set[str]] = defaultdict(set)
        for i in self.own():
            src = self.app_of(i.module)
            if src not in (PROJECT, None) and self.app_of(i.target) == PROJECT:
                out[src].add(i.target)
        return out

    def module_graph(self, app: str, *, inside: bool = False) -> dict[str, set[str]]:
        """Imports between the modules of one app: at module level (those that fail at import
        when they loop), or with `inside` those in functions too (a loop hidden in a function)."""
        out: dict[str, set[str]] = {m: set() for m in self.modules if self.app_of(m) == app}
        for i in self.own():
            if (
                (inside or not i.inside)
                and self.app_of(i.module) == app
                and self.app_of(i.target) == app
                and i.target in out
                and i.target not in self.packages
                and i.target != i.module
            ):
                out[i.module].add(i.target)
        return out

    def function_level(self) -> dict[str, dict[str, int]]:
        """app (or PROJECT) -> {"sapa": n, "third-party": n, "stdlib": n}: import statements
        inside functions (one `from x import a, b` counts once)."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: {"sapa": 0, "third-party": 0, "stdlib": 0})
        for module, _line, what in {(i.module, i.line, kind(i.target, self)) for i in self.imports if i.inside}:
            out[self.app_of(module)][what] += 1
        return out


def kind(target: str, code: Code) -> str:
    if code.app_of(target):
        return "sapa"
    top = target.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return "stdlib"
    return "third-party"


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class _Reader(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str]):
        self.module, self.is_package, self.known = module, is_package, known
        self.depth = 0  # functions we are inside
        self.found: list[tuple[int, str, bool]] = []

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node: ast.If):
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            self.found.append((node.lineno, alias.name, self.depth > 0))

    def visit_ImportFrom(self, node: ast.ImportFrom):
        if node.level:
            base = self.module.split(".")
            if not self.is_package:
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            if node.module:
                base += node.module.split(".")
            base_name = ".".join(base)
        else:
            base_name = node.module or ""
        for alias in node.names:
            candidate = f"{base_name}.{alias.name}"
            target = candidate if candidate in self.known else base_name
            self.found.append((node.lineno, target, self.depth > 0))


def read(src: Path = SRC) -> Code:
    code = Code()
    for path in sorted((src / "sapa").rglob("*.py")):
        code.modules[module_name(path, src)] = path
    known = set(code.modules)
    for name, path in code.modules.items():
        reader = _Reader(name, path.name == "__init__.py", known)
        reader.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        for line, target, inside in reader.found:
            code.imports.append(Import(name, rel, line, target, inside))
    return code


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def both_ways(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((a, b) for a in graph for b in graph[a] if a < b and a in graph.get(b, ()))


def _reach(graph: dict[str, set[str]], start: str, skip: tuple[str, str]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if (node, nxt) != skip and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def is_known_loop(a: str, b: str) -> bool:
    return (short(a), short(b)) in KNOWN_LOOPS_TO_REMOVE


def reduction(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The arrows left once those implied by a longer path are dropped (for the picture).
    Computed without the known loops (on a graph with a cycle every arrow is implied)."""
    dag = {a: {b for b in bs if not is_known_loop(a, b)} for a, bs in graph.items()}
    return {a: {b for b in dag[a] if b not in _reach(dag, a, (a, b))} for a in dag}


def short(app: str) -> str:
    return app.removeprefix("sapa.")


def mermaid(code: Code) -> str:
    graph = code.graph()
    lines = ["```mermaid", "graph BT"]
    for app in code.apps:
        lines.append(f"    {short(app)}")
    reduced = reduction(graph)
    for a in sorted(graph):
        for b in sorted(reduced[a]):
            lines.append(f"    {short(a)} --> {short(b)}")
        for b in sorted(graph[a]):
            if is_known_loop(a, b):
                lines.append(f"    {short(a)} -. loop .-> {short(b)}")
    lines.append("```")
    return "\n".join(lines)


def dot(code: Code) -> str:
    graph = code.graph()
    lines = ["digraph sapa {", "    rankdir=BT;", "    node [shape=box];"]
    for a in sorted(graph):
        lines.append(f'    "{short(a)}";')
        for b in sorted(graph[a]):
            lines.append(f'    "{short(a)}" -> "{short(b)}";')
    lines.append("}")
    return "\n".join(lines)


def docs_section(code: Code) -> str:
    graph = code.graph()
    project = code.uses_project()
    rows = [
        "| app | imports (directly) |",
        "|---|---|",
    ]
    for app in code.apps:
        names = [f"`{short(b)}`" for b in sorted(graph[app])]
        names += [f"`{m}` (project)" for m in sorted(project.get(app, ()))]
        rows.append(f"| `{short(app)}` | {', '.join(names) or '(none)'} |")
    return "\n".join(
        [
            START,
            "## Which app depends on which (generated by scripts/app_graph.py --mermaid)",
            "",
            "An arrow goes from an app to an app it imports; an arrow implied by a longer path is",
            "left out of the picture (a dotted \"loop\" arrow is one still to remove: KNOWN_LOOPS_TO_REMOVE),",
            "the table lists every direct import. Regenerate with",
            "`python scripts/app_graph.py --write-docs`; `tests/test_architecture.py` fails when this",
            "section is stale, when the graph has a cycle, or when an app imports one it may not.",
            "",
            mermaid(code),
            "",
            *rows,
            END,
        ]
    )


def write_docs(code: Code, path: Path = DOCS) -> bool:
    """Replace the generated section (or append it); True when the file changed."""
    text = path.read_text(encoding="utf-8")
    section = docs_section(code)
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        new = head + section + tail
    else:
        new = text.rstrip("\n") + "\n\n" + section + "\n"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def report(code: Code) -> str:
    graph = code.graph()
    edges = code.edges()
    out = ["# App dependency graph (app -> apps it imports; * = only inside functions)"]
    for app in code.apps:
        names = []
        for b in sorted(graph[app]):
            lazy = all(i.inside for i in edges[app][b])
            names.append(short(b) + ("*" if lazy else ""))
        project = sorted(code.uses_project().get(app, ()))
        extra = f"   [project: {', '.join(project)}]" if project else ""
        out.append(f"{short(app):14} -> {', '.join(names) or '-'}{extra}")

    out.append("\n# Cycles between apps")
    app_cycles = cycles(graph)
    out += [" <-> ".join(short(a) for a in c) for c in app_cycles] or ["none"]
    if app_cycles:
        rest = cycles({a: {b for b in bs if not is_known_loop(a, b)} for a, bs in graph.items()})
        out.append("without KNOWN_LOOPS_TO_REMOVE: "
                   + ("; ".join(" <-> ".join(short(a) for a in c) for c in rest) or "none"))
    out.append("\n# App pairs importing each other (each import named)")
    pairs = both_ways(graph)
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            for i in sorted(set(edges[x][y]), key=lambda i: (i.path, i.line)):
                where = "function" if i.inside else "module"
                out.append(f"{short(x)} -> {short(y)}: {i.path}:{i.line} {i.target} ({where})")
    if not pairs:
        out.append("none")

    out.append("\n# Module-level import cycles inside an app")
    any_cycle = False
    for app in code.apps:
        for c in cycles(code.module_graph(app)):
            any_cycle = True
            out.append(f"{short(app)}: " + " <-> ".join(m.removeprefix(app + ".") for m in c))
    if not any_cycle:
        out.append("none")
    out.append("\n# Import loops inside an app through an import in a function")
    any_cycle = False
    for app in code.apps:
        for c in cycles(code.module_graph(app, inside=True)):
            any_cycle = True
            out.append(f"{short(app)}: " + " <-> ".join(m.removeprefix(app + ".") for m in c))
    if not any_cycle:
        out.append("none")

    out.append("\n# Import statements inside functions (sapa / third-party / stdlib)")
    counts = code.function_level()
    total = {"sapa": 0, "third-party": 0, "stdlib": 0}
    for app in sorted(counts, key=lambda a: a or ""):
        c = counts[app]
        for k in total:
            total[k] += c[k]
        out.append(f"{short(app):14} {c['sapa']:4} {c['third-party']:4} {c['stdlib']:4}")
    out.append(f"{'total':14} {total['sapa']:4} {total['third-party']:4} {total['stdlib']:4}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--dot", action="store_true", help="Graphviz of the app graph on stdout")
    group.add_argument("--mermaid", action="store_true", help="Mermaid of the app graph on stdout")
    group.add_argument("--write-docs", action="store_true", help=f"replace the section in {DOCS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    code = read()
    if args.dot:
        print(dot(code))
    elif args.mermaid:
        print(mermaid(code))
    elif args.write_docs:
        changed = write_docs(code)
        print(f"{DOCS.relative_to(ROOT)}: {'updated' if changed else 'up to date'}")
    else:
        print(report(code))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
