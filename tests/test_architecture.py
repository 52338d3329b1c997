"""The app graph read from the code (scripts/app_graph.py): no loop, no import an app may not
make, the picture in docs/architecture.md up to date, no import loop inside an app.

Apps talk upwards through signals and app hooks (docs/architecture.md, "How apps talk"), never
by importing an app above them. Nothing here imports Sapa: the code is read with `ast`.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("app_graph", ROOT / "scripts" / "app_graph.py")
app_graph = importlib.util.module_from_spec(_spec)
sys.modules["app_graph"] = app_graph  # dataclasses look their module up
_spec.loader.exec_module(app_graph)

# For each app, the apps it may import. An app not listed here may import none; an import
# upwards (an app importing one that imports it, directly or not) is a signal or a hook instead.
_LOW = {"core", "libraries"}
ALLOWED = {
    "core": set(),  # settings helpers, middleware, the queue: imports no app
    "libraries": {"core", "mail"},  # tenants, users, roles; sends invitations through the outbox
    "mail": {"core"},  # the outbox
    "api": _LOW,  # the API's auth, error body and types; each app adds its router in sapa/urls.py
    "events": _LOW | {"mail", "api"},
    "promotion": _LOW | {"events"},
    "social": _LOW | {"mail", "api", "events", "promotion"},  # social attaches an event's flyer to a post
    "catalogue": _LOW | {"social"},
    "attendance": _LOW | {"events", "promotion"},
    "live": _LOW | {"events", "promotion"},
    "survey": _LOW | {"events", "mail", "attendance", "promotion"},
    "prizes": _LOW | {"events", "mail", "attendance", "survey"},
    "certificates": _LOW | {"events", "mail", "attendance", "promotion"},
    "meetings": _LOW | {"events", "mail", "attendance", "social"},
    "news": _LOW | {"events", "attendance", "prizes", "promotion"},
    "whatsapp": _LOW | {"events", "certificates", "prizes", "social"},
    "guide": {"*"},  # the staff guide may show any app; no app imports it
}
# The only project module (sapa.settings, sapa.urls, sapa.cli, ...) an app may import.
PROJECT_MODULES_ALLOWED = {"sapa.config"}

# Imports against the layering above in files being changed on other branches of issue 15:
# app_graph.KNOWN_LOOPS_TO_REMOVE (the lead empties it after merging them; the picture in the
# docs draws them as dotted "loop" arrows). Nothing else may be added there.
KNOWN_LOOPS_TO_REMOVE = app_graph.KNOWN_LOOPS_TO_REMOVE


@pytest.fixture(scope="module")
def code():
    return app_graph.read()


def _short(app):
    return app.removeprefix("sapa.")


def _known(graph):
    return {
        app: {dst for dst in dsts if (_short(app), _short(dst)) not in KNOWN_LOOPS_TO_REMOVE}
        for app, dsts in graph.items()
    }


def test_every_app_is_in_the_allowed_table(code):
    assert {_short(app) for app in code.apps} == set(ALLOWED)


def test_the_app_graph_has_no_cycle(code):
    assert app_graph.cycles(_known(code.graph())) == []


def test_the_known_loops_are_still_there(code):
    """An edge of KNOWN_LOOPS_TO_REMOVE that is gone comes out of the set (it may not come back)."""
    graph = code.graph()
    gone = {(a, b) for a, b in KNOWN_LOOPS_TO_REMOVE if f"sapa.{b}" not in graph[f"sapa.{a}"]}
    assert not gone, f"remove from KNOWN_LOOPS_TO_REMOVE: {sorted(gone)}"


def test_no_app_imports_one_it_may_not(code):
    wrong = []
    for imp in code.own():
        src, dst = code.app_of(imp.module), code.app_of(imp.target)
        if src == app_graph.PROJECT:
            continue
        if dst == app_graph.PROJECT:
            if imp.target not in PROJECT_MODULES_ALLOWED:
                wrong.append(f"{imp.path}:{imp.line} ({_short(src)}) imports the project's {imp.target}")
            continue
        if src == dst or (_short(src), _short(dst)) in KNOWN_LOOPS_TO_REMOVE:
            continue
        allowed = ALLOWED[_short(src)]
        if "*" not in allowed and _short(dst) not in allowed:
            wrong.append(f"{imp.path}:{imp.line} ({_short(src)}) imports {imp.target} ({_short(dst)})")
    assert not wrong, "imports an app may not make:\n" + "\n".join(sorted(set(wrong)))


def test_no_app_imports_the_guide(code):
    graph = code.graph()
    assert not [app for app, dsts in graph.items() if "sapa.guide" in dsts]


def test_allowed_table_has_no_cycle():
    graph = {f"sapa.{a}": {f"sapa.{b}" for b in dsts if b != "*"} for a, dsts in ALLOWED.items()}
    assert app_graph.cycles(graph) == []


def test_the_docs_picture_matches_the_code(code, tmp_path):
    docs = tmp_path / "architecture.md"
    docs.write_text(app_graph.DOCS.read_text(encoding="utf-8"), encoding="utf-8")
    changed = app_graph.write_docs(code, docs)
    assert not changed, "docs/architecture.md is stale: run `python scripts/app_graph.py --write-docs`"


def test_no_module_level_import_loop_inside_an_app(code):
    loops = {app: app_graph.cycles(code.module_graph(app)) for app in code.apps}
    assert not {app: c for app, c in loops.items() if c}


# Loops inside an app that go through an import in a function: none left (issue 15); an
# import inside a function is for "apps not ready" or a heavy optional library, not a loop.
KNOWN_INNER_LOOPS_TO_REMOVE: set[tuple[str, tuple[str, ...]]] = set()


def test_no_import_loop_inside_an_app_even_through_a_function(code):
    found = set()
    for app in code.apps:
        for cycle in app_graph.cycles(code.module_graph(app, inside=True)):
            found.add((app, tuple(m.removeprefix(app + ".") for m in cycle)))
    assert found <= KNOWN_INNER_LOOPS_TO_REMOVE, sorted(found - KNOWN_INNER_LOOPS_TO_REMOVE)
