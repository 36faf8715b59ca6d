"""The package's layout holds: packages do not import each other in circles, nothing but the
app factory imports a routes module, and no import hides inside a function.

A package is a folder of `journal/` (`auth`, `entries`, ...) and so is each module at the top
(`crypto`, `journal_key`, ...). A package's views count as the package: a view that needs a
package above its own asks it through a template global or the app factory, never by an
import (`journal/__init__.py`, the app factory, imports every routes module).
"""

import ast
from itertools import pairwise
from pathlib import Path

from journal.config import PACKAGE_ROOT

FACTORY = "journal"


def modules(root: Path = PACKAGE_ROOT) -> dict[str, ast.Module]:
    """Every module of the package (migrations aside), parsed, by dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.relative_to(root).parts:
            continue
        parts = ("journal", *path.relative_to(root).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return found


def imported(tree: ast.Module, names: set[str]) -> list[tuple[str, ast.stmt]]:
    """The package's modules `tree` imports ("from journal import crypto" is journal.crypto)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names if alias.name in names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.append((candidate if candidate in names else node.module, node))
    return [(name, node) for name, node in found if name.startswith("journal")]


def package_of(module: str) -> str | None:
    """The package a module belongs to: `journal.entries.listing` → `entries`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def is_routes(module: str) -> bool:
    return module.rsplit(".", 1)[-1] == "routes"


def package_graph(parsed: dict[str, ast.Module]) -> dict[str, dict[str, str]]:
    """package → {package it imports: the first module that does}, the factory aside."""
    graph: dict[str, dict[str, str]] = {}
    for module, tree in parsed.items():
        source = package_of(module)
        if source is None:
            continue
        for target_module, _node in imported(tree, set(parsed)):
            target = package_of(target_module)
            if target is not None and target != source:
                graph.setdefault(source, {}).setdefault(target, module)
    return graph


def cycle_in(graph: dict[str, dict[str, str]]) -> list[str] | None:
    """A cycle of packages, as a path that ends where it began; None if there is none."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in graph.get(node, {}):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node, [node])):
            return found
    return None


def test_packages_do_not_import_each_other_in_circles():
    graph = package_graph(modules())
    cycle = cycle_in(graph)
    where = [f"{a} → {b} ({graph[a][b]})" for a, b in pairwise(cycle)] if cycle else []
    assert cycle is None, "packages import each other in a circle:\n" + "\n".join(where)


def test_the_check_finds_a_circle_when_there_is_one():
    planted = {
        "journal.a.services": ast.parse("from journal.b.services import x"),
        "journal.b.services": ast.parse("from journal.c import y"),
        "journal.c": ast.parse("import journal.a.services"),
        "journal.a.routes": ast.parse("from journal.z import routes"),
    }
    assert cycle_in(package_graph(planted)) == ["a", "b", "c", "a"]
    del planted["journal.c"]
    assert cycle_in(package_graph(planted)) is None
    # A view counts as its package: a goal page that imports sharing, which imports goals.
    planted = {
        "journal.goals.routes": ast.parse("from journal.sharing import services"),
        "journal.sharing.services": ast.parse("from journal.goals import services"),
        "journal.goals.services": ast.parse("import journal.models"),
    }
    assert cycle_in(package_graph(planted)) == ["goals", "sharing", "goals"]


def test_only_the_app_factory_imports_a_routes_module():
    parsed = modules()
    offenders = [
        f"{module} imports {target}"
        for module, tree in parsed.items()
        if module != FACTORY
        for target, _node in imported(tree, set(parsed))
        if is_routes(target)
    ]
    assert offenders == []


def test_no_import_of_the_package_hides_inside_a_function():
    parsed = modules()
    hidden = []
    for module, tree in parsed.items():
        top_level = set(map(id, tree.body))
        for target, node in imported(tree, set(parsed)):
            if id(node) not in top_level:
                hidden.append(f"{module}:{node.lineno} imports {target}")
    assert hidden == []


def test_test_modules_have_names_of_their_own():
    """pytest imports test modules by their basename (the tests folders are not packages):
    two files of one name make the whole run stop with an import error."""
    names = [path.name for path in Path(__file__).parent.rglob("test_*.py")]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []
