"""The folders are the layers, and imports follow them: no circles, no arrow upwards.

The layers, lowest first; a module imports from its own layer and the layers its row names::

    core           envcheck.core, envcheck.hookspecs, the envcheck facade
    kit            envcheck.kit                          core
    support        llm, mcpkit, mock, cassettes, initkit core, kit, support
    components     envcheck.checks.<component>           core, kit, support, its own package,
                                                         envcheck.checks.shared
    engine         envcheck.engine                       core
    report         envcheck.report                       core, engine
    pytest_plugin  envcheck.pytest_plugin                everything above but the console scripts
    cli            envcheck.cli                          everything

The scan reads every module's source, imports inside functions and under ``if TYPE_CHECKING:``
included: a type-only circle is still a circle. The optional plugins under ``plugins/`` import only
envcheck's public modules (:data:`PUBLIC`), never a private one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import envcheck

SRC = Path(envcheck.__file__).parent
PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
LAYERS = {
    "core": ("envcheck.core", "envcheck.hookspecs"),
    "kit": ("envcheck.kit",),
    "support": (
        "envcheck.llm",
        "envcheck.mcpkit",
        "envcheck.mock",
        "envcheck.cassettes",
        "envcheck.initkit",
    ),
    "components": ("envcheck.checks",),
    "engine": ("envcheck.engine",),
    "report": ("envcheck.report",),
    "pytest_plugin": ("envcheck.pytest_plugin",),
    "cli": ("envcheck.cli",),
}
#: layer -> the layers it may import (besides its own)
MAY_IMPORT = {
    "core": set(),
    "kit": {"core"},
    "support": {"core", "kit"},
    "components": {"core", "kit", "support"},
    "engine": {"core"},
    "report": {"core", "engine"},
    "pytest_plugin": {"core", "kit", "support", "components", "engine", "report"},
    "cli": {"core", "kit", "support", "components", "engine", "report", "pytest_plugin"},
}
COMPONENTS = sorted(
    p.name
    for p in (SRC / "checks").iterdir()
    if (p / "__init__.py").is_file() and p.name != "shared"
)
#: what a plugin may import: the facade, the kit, the support packages' public faces and the
#: components' packages (each exports its public API from its ``__init__``)
PUBLIC = {
    "envcheck",
    "envcheck.hookspecs",
    "envcheck.kit",
    "envcheck.llm",
    "envcheck.mock",
    "envcheck.mcpkit",
    "envcheck.cassettes",
    *(f"envcheck.checks.{c}" for c in COMPONENTS),
}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def modules(root: Path = SRC) -> dict[str, Path]:
    found = {}
    for path in root.rglob("*.py"):
        parts = ("envcheck", *path.relative_to(root).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imported(name: str, path: Path, tree: ast.AST, known: Mapping[str, Path]) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
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


def layer(module: str) -> str:
    """The layer of an ``envcheck`` module (the facade ``envcheck`` belongs to the core)."""
    if module == "envcheck":
        return "core"
    for name, prefixes in LAYERS.items():
        if any(_within(module, prefix) for prefix in prefixes):
            return name
    raise AssertionError(f"{module} is in no layer: put it in one of the folders {list(LAYERS)}")


def _component(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "checks" else None


def wrong_arrows(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import that goes against the layers, as ``importer -> imported: why``."""
    problems = []
    for importer, targets in sorted(graph.items()):
        mine = layer(importer)
        for target in sorted(targets):
            theirs = layer(target)
            if theirs == mine == "components":
                own, other = _component(importer), _component(target)
                if other not in (own, "shared", None):
                    problems.append(
                        f"{importer} -> {target}: a component uses envcheck.checks.shared, "
                        "not another component"
                    )
            elif theirs != mine and theirs not in MAY_IMPORT[mine]:
                problems.append(f"{importer} -> {target}: {mine} does not import {theirs}")
    return problems


def plugin_imports(root: Path = PLUGINS) -> dict[str, set[str]]:
    """Every source module of the plugins under ``plugins/`` and the ``envcheck`` modules it
    imports (by the name it imports them under)."""
    known = modules()
    found: dict[str, set[str]] = {}
    for path in sorted(root.glob("*/src/**/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        name = str(path.relative_to(root))
        targets = set()
        for target in _imported(name, path, tree, known):
            if target == "envcheck" or target.startswith("envcheck."):
                owner = _owner(target, known)
                targets.add(owner if owner is not None else target)
        found[name] = targets
    return found


def private_imports(imports: Mapping[str, set[str]]) -> list[str]:
    return [
        f"{plugin} -> {target}: not public (use envcheck.kit or one of {sorted(PUBLIC)})"
        for plugin, targets in sorted(imports.items())
        for target in sorted(targets)
        if target not in PUBLIC
    ]


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_imports_follow_the_layers() -> None:
    assert wrong_arrows(import_graph()) == []


def test_every_module_is_in_a_folder_of_its_layer() -> None:
    """No module floats at the top of the package: the facade, the hook specs and the layers'
    folders (and the support packages)."""
    top = sorted(p.name for p in SRC.iterdir() if p.suffix == ".py")
    assert top == ["__init__.py", "cassettes.py", "hookspecs.py"]
    for module in modules():
        layer(module)


def test_plugins_import_only_public_modules() -> None:
    imports = plugin_imports()
    assert len(imports) >= 10  # the three plugins' modules were read
    assert private_imports(imports) == []


def test_the_scan_sees_function_and_type_only_imports(tmp_path: Path) -> None:
    """The checks above can fail: a planted circle through a function-level import is found, an
    import under ``if TYPE_CHECKING:`` is an arrow too, and an upward arrow is named."""
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("")
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "__init__.py").write_text("")
    (tmp_path / "core" / "model.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from envcheck.engine import runner\n"
        "def later():\n    from envcheck.core.config import load\n"
    )
    (tmp_path / "core" / "config.py").write_text("from envcheck.core.model import later\n")
    (tmp_path / "engine" / "runner.py").write_text("from envcheck.core import model\n")
    graph = import_graph(tmp_path)
    assert graph["envcheck.core.model"] == {"envcheck.core.config", "envcheck.engine.runner"}
    assert graph["envcheck.engine.runner"] == {"envcheck.core.model"}
    assert cycles(graph) == [
        ["envcheck.core.config", "envcheck.core.model", "envcheck.engine.runner"]
    ]
    assert wrong_arrows(graph) == [
        "envcheck.core.model -> envcheck.engine.runner: core does not import engine"
    ]


def test_components_and_plugins_stay_in_their_lanes(tmp_path: Path) -> None:
    planted = {
        "envcheck.mcpkit.probe": {"envcheck.checks.redis.target"},
        "envcheck.checks.redis.hooks": {"envcheck.checks.postgres.wire", "envcheck.checks.shared"},
        "envcheck.engine.registry": {"envcheck.kit"},
    }
    assert wrong_arrows(planted) == [
        "envcheck.checks.redis.hooks -> envcheck.checks.postgres.wire: a component uses "
        "envcheck.checks.shared, not another component",
        "envcheck.engine.registry -> envcheck.kit: engine does not import kit",
        "envcheck.mcpkit.probe -> envcheck.checks.redis.target: support does not import components",
    ]
    plugin = tmp_path / "p" / "src" / "p"
    plugin.mkdir(parents=True)
    (plugin / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\nfrom envcheck.kit import probe\n"
        "if TYPE_CHECKING:\n    from envcheck.core.config import EnvcheckConfig\n"
    )
    assert private_imports(plugin_imports(tmp_path)) == [
        "p/src/p/__init__.py -> envcheck.core.config: not public (use envcheck.kit or one of "
        f"{sorted(PUBLIC)})"
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
