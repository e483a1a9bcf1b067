"""Imports follow the documented direction: no circles, no arrow from a lower layer to a higher one.

The layers, lowest first (a module may import its own layer and the ones below)::

    leaves (_model, redact, _interpolate, hookspecs, _dotenv, _exec, _netprobe, _format, ...)
    < config < _registry/_context (and the public ``envcheck`` package) < _runner/_store
    < _engine < _items/report < entry points (plugin, fixtures, the console scripts)

Components (``envcheck.checks.*``) may import the core and the support packages; only entry
points, fixtures and other components import them. Support packages (llm, mcpkit, mock, cassettes,
initkit) never import components, the engine, items, reports or the plugin. The scan reads every
module's source, also imports inside functions, but not those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import envcheck

SRC = Path(envcheck.__file__).parent
LEAF, CONFIG, REGISTRY, RUNNER, ENGINE, ITEMS, ENTRY = range(7)
CORE_RANK = {
    "envcheck.core.config": CONFIG,
    "envcheck.engine.registry": REGISTRY,
    "envcheck.core.context": REGISTRY,
    "envcheck": REGISTRY,  # the public API re-exports Context
    "envcheck.engine.runner": RUNNER,
    "envcheck.engine.store": RUNNER,
    "envcheck.engine.engine": ENGINE,
    "envcheck.pytest_plugin.items": ITEMS,
    "envcheck.report": ITEMS,
}
ENTRY_POINTS = {
    "envcheck.pytest_plugin.plugin",
    "envcheck.pytest_plugin.fixtures",
    "envcheck.cli.main",
    "envcheck.cli.mcp",
    "envcheck.cli.mcp_server",
    "envcheck.cli.mock",
    "envcheck.cli.init",
}
SUPPORT = (
    "envcheck.llm",
    "envcheck.mcpkit",
    "envcheck.mock",
    "envcheck.cassettes",
    "envcheck.initkit",
)
#: what support packages never import
ABOVE_SUPPORT = (
    "envcheck.checks",
    "envcheck.engine.engine",
    "envcheck.pytest_plugin.items",
    "envcheck.pytest_plugin.plugin",
)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def modules(root: Path = SRC) -> dict[str, Path]:
    found = {}
    for path in root.rglob("*.py"):
        parts = ("envcheck", *path.relative_to(root).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _imported(name: str, path: Path, tree: ast.AST, known: Mapping[str, Path]) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
        elif isinstance(node, ast.Constant) and node.value in known and path.name == "__init__.py":
            yield str(node.value)  # importlib.import_module("envcheck.core.model") in lazy exports
        pending.extend(ast.iter_child_nodes(node))


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    """Every module of ``envcheck`` and the ``envcheck`` modules it imports."""
    known = modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets = {_owner(target, known) for target in _imported(name, path, tree, known)}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def _owner(target: str, known: Mapping[str, Path]) -> str | None:
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target if target.startswith("envcheck") and target else None


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def rank(module: str) -> int | None:
    """The module's layer in the core, ``None`` for components and support packages."""
    if module in ENTRY_POINTS:
        return ENTRY
    if _within(module, "envcheck.checks") or any(_within(module, s) for s in SUPPORT):
        return None
    for name, layer in CORE_RANK.items():
        if module == name or (name != "envcheck" and _within(module, name)):
            return layer
    return LEAF


def wrong_arrows(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import that goes against the direction, as ``importer -> imported: why``."""
    problems = []
    for importer, targets in sorted(graph.items()):
        mine = rank(importer)
        for target in sorted(targets):
            theirs = rank(target)
            if _within(target, "envcheck.checks"):
                if mine != ENTRY and not _within(importer, "envcheck.checks"):
                    problems.append(f"{importer} -> {target}: only entry points use components")
            elif mine is None and not _within(importer, "envcheck.checks"):
                if any(_within(target, above) for above in ABOVE_SUPPORT) or rank(target) in (
                    ITEMS,
                    ENTRY,
                ):
                    problems.append(f"{importer} -> {target}: support packages stay below")
            elif mine is not None and mine != ENTRY and theirs is None:
                problems.append(f"{importer} -> {target}: the core does not use support packages")
            elif mine is not None and theirs is not None and theirs > mine:
                problems.append(f"{importer} -> {target}: upward (layer {mine} -> {theirs})")
            elif mine is None and theirs is not None and theirs > RUNNER:
                problems.append(f"{importer} -> {target}: components stay below the engine")
    return problems


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_imports_follow_the_layers() -> None:
    assert wrong_arrows(import_graph()) == []


def test_the_scan_sees_function_imports_and_skips_type_checking(tmp_path: Path) -> None:
    """The checks above can fail: a planted circle through a function-level import is found, an
    import under ``if TYPE_CHECKING:`` is not an arrow, and an upward arrow is named."""
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "_model.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from envcheck import _engine\n"
        "def later():\n    from envcheck.core.config import load\n"
    )
    (tmp_path / "config.py").write_text("from envcheck.core.model import later\n")
    (tmp_path / "_engine.py").write_text("from . import _model\n")
    graph = import_graph(tmp_path)
    assert graph["envcheck.core.model"] == {"envcheck.core.config"}
    assert graph["envcheck.engine.engine"] == {"envcheck.core.model"}
    assert cycles(graph) == [["envcheck.core.model", "envcheck.core.config"]]
    assert wrong_arrows(graph) == [
        "envcheck.core.model -> envcheck.core.config: upward (layer 0 -> 1)"
    ]


def test_support_packages_never_import_components() -> None:
    planted = {"envcheck.mcpkit.probe": {"envcheck.kit._net"}, "envcheck.kit._net": set()}
    assert wrong_arrows(planted) == [
        "envcheck.mcpkit.probe -> envcheck.kit._net: only entry points use components"
    ]


def test_one_pyproject_reader_for_the_plugin_and_the_configuration(tmp_path: Path) -> None:
    """The plugin's cheap test and ``config.read_table`` read a file the same way: a file that
    cannot be used makes the plugin hand over to the loader, which names the file and the fix."""
    from envcheck.core import toml as _toml
    from envcheck.core.config import ConfigError, read_table

    path = tmp_path / "pyproject.toml"
    assert not _toml.has_tool_table(path, "envcheck")  # no file
    path.write_text("[tool.other]\nx = 1\n")
    assert not _toml.has_tool_table(path, "envcheck")
    path.write_text("[tool.envcheck.venv]\n")
    assert _toml.has_tool_table(path, "envcheck")
    path.write_text("[tool.envcheck\n")
    assert _toml.has_tool_table(path, "envcheck")
    with pytest.raises(ConfigError, match=r"not valid TOML \(.*\); fix the syntax there"):
        read_table(tmp_path, None)
