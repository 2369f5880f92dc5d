"""No import cycle among opsadvisor's modules: each stage imports only what is below it.

Every import counts (at module level or inside a function), except one under `if TYPE_CHECKING:`,
which never runs. Importing a module runs its packages' `__init__` first, so importing
`opsadvisor.batch.runner` from outside `opsadvisor.batch` imports `opsadvisor.batch` too, and
`from . import x` imports the package it names. A package's `__init__` importing its own submodules
is no cycle; a submodule importing a package whose `__init__` imports it back is one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import TypeGuard

from .helpers import ROOT

PACKAGE = ROOT / "opsadvisor"


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its __init__)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_type_checking(node: ast.AST) -> TypeGuard[ast.If]:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports that run: in every statement (functions and classes too), but not in the body of
    `if TYPE_CHECKING:`. Expressions hold no import statement, so the walk does not enter them."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif _is_type_checking(node):
            pending.extend(node.orelse)
        elif isinstance(node, ast.stmt | ast.excepthandler | ast.match_case):
            pending.extend(ast.iter_child_nodes(node))


def _imported_names(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The dotted names an import statement may load: the module it names, and each imported name as a
    submodule of it (`from . import x` names the package and `package.x`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    return [source, *(f"{source}.{alias.name}" for alias in node.names)]


def _packages_run_first(module: str, imported: str, modules: dict[str, Path]) -> list[str]:
    """The packages whose __init__ importing `imported` runs, but that `module` is not inside of (its own
    packages are being imported already)."""
    parts = imported.split(".")
    packages = (".".join(parts[:end]) for end in range(1, len(parts)))
    return [package for package in packages if package in modules and not module.startswith(f"{package}.")]


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package's modules importing it loads."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        loads: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for name in _imported_names(module, is_package, node):
                if name in modules:
                    loads.add(name)
                    loads.update(_packages_run_first(module, name, modules))
        loads.discard(module)
        graph[module] = loads
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import one another, directly or not (Tarjan), each of two or more."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in on_stack:
                lowest[module] = min(lowest[module], index[imported])
        if lowest[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def one_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A shortest import chain from the group's first module back to itself, within the group."""
    start = group[0]
    members = set(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for imported in sorted(graph[module] & members):
                if imported == start:
                    chain = [module]
                    while chain[-1] != start:
                        chain.append(came_from[chain[-1]])
                    return [start, *reversed(chain[:-1]), start]
                if imported not in came_from:
                    came_from[imported] = module
                    following.append(imported)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a group of two or more always has one


def test_no_import_cycle_among_the_package_modules() -> None:
    graph = import_graph(module_files())
    cycles = [
        f"{' -> '.join(one_cycle(graph, group))} (one cycle among {len(group)} modules: {', '.join(group)})"
        for group in strongly_connected(graph)
    ]
    assert not cycles, "import cycles (move the shared part down, or a type-only import under TYPE_CHECKING):\n" + (
        "\n".join(cycles)
    )


def test_the_graph_sees_relative_package_and_function_level_imports(tmp_path: Path) -> None:
    """The walk itself: what each kind of import statement loads, and what it ignores."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import thing\n")
    (package / "a.py").write_text("def f():\n    from .sub import b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("from .. import a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\nelse:\n    import pkg.sub.b\n"
    )
    modules = {
        name: package / file
        for name, file in {
            "pkg": "__init__.py",
            "pkg.a": "a.py",
            "pkg.sub": "sub/__init__.py",
            "pkg.sub.b": "sub/b.py",
            "pkg.c": "c.py",
        }.items()
    }
    graph = import_graph(modules)
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"pkg.sub", "pkg.sub.b"},
        "pkg.sub": set(),
        "pkg.sub.b": {"pkg", "pkg.a"},
        "pkg.c": {"pkg.sub", "pkg.sub.b"},
    }
    assert strongly_connected(graph) == [["pkg", "pkg.a", "pkg.sub.b"]]
    assert one_cycle(graph, ["pkg", "pkg.a", "pkg.sub.b"]) == ["pkg", "pkg.a", "pkg.sub.b", "pkg"]
