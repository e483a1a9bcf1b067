"""The project itself as Poetry installed it (package-mode on), against pyproject.toml and the
project's tree as they are now.

Poetry installs the project editable: a ``<name>.pth`` (listed in RECORD) whose path lines are
the directories it found the project's packages in (poetry-core: ``NAME/``, ``NAME.py``,
``src/NAME/``, ``src/NAME.py``, or a ``packages`` entry's ``from``), and the entry points of
``[project.scripts]``, ``[project.gui-scripts]``, ``[tool.poetry.scripts]`` with their console
scripts and of the other groups of ``[project.entry-points]`` / ``[tool.poetry.plugins]``
(pytest's ``pytest11`` among them), in its ``entry_points.txt``. Neither is written again until
``poetry install`` runs, and neither is part of poetry.lock's ``content-hash``: ``poetry check
--lock`` does not see a package moved to ``src/`` or a script or plugin declared since.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from envcheck.checks.venv import integrity as _integrity


@dataclass(frozen=True)
class Script:
    """A script (or another entry point) pyproject.toml declares."""

    name: str
    #: its object reference (``module:function``)
    reference: str
    #: the table that declares it (``[project.scripts]``)
    table: str
    #: its entry point group
    group: str

    @property
    def script(self) -> bool:
        """A console or GUI script (else an entry point of another group)."""
        return self.group in ("console_scripts", "gui_scripts")


@dataclass(frozen=True)
class Unwritten:
    """A declared script the install did not write (``installed`` None), or wrote for another
    object reference."""

    script: Script
    installed: str | None


@dataclass(frozen=True)
class Unreached:
    """A package of the project that its editable install's path hook does not reach."""

    module: str
    #: the install's path hook and the directories its path lines name
    hook: Path
    names: tuple[Path, ...]
    #: where the package is in the project now
    now: Path


@dataclass(frozen=True)
class Unplaced:
    """A package ``[tool.poetry] packages`` places under another directory (``to``) that its
    editable install's path hook leaves where it is: it imports by its own name only."""

    #: the name the built wheel gives it (``vendor.svt``) and the one the hook gives (``svt``)
    module: str
    plain: str
    #: the entry's ``include``, ``to`` and its directory (``from``, else the project's)
    include: str
    to: str
    base: Path
    hook: Path


def declared_scripts(data: dict[str, Any]) -> list[Script]:
    """The entry points of pyproject.toml: its scripts (a ``type = "file"`` script of
    Poetry's is a file it copies, not an entry point) and its other entry-point groups."""
    project = data.get("project") or {}
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = (
        ("[project.scripts]", project.get("scripts"), "console_scripts"),
        ("[project.gui-scripts]", project.get("gui-scripts"), "gui_scripts"),
        ("[tool.poetry.scripts]", poetry.get("scripts"), "console_scripts"),
    )
    found = []
    for table, scripts, group in (*tables, *_entry_point_tables(project, poetry)):
        if not isinstance(scripts, dict):
            continue
        for name, value in scripts.items():
            reference = value
            if isinstance(value, dict):
                kind = value.get("type", "console")
                reference = (
                    value.get("reference") or value.get("callable") if kind == "console" else None
                )
            if isinstance(reference, str) and reference.strip():
                found.append(Script(str(name), reference.strip(), table, group))
    return found


def _entry_point_tables(
    project: dict[str, Any], poetry: dict[str, Any]
) -> list[tuple[str, Any, str]]:
    """The entry points of other groups: ``[project.entry-points.<group>]`` (PEP 621) and
    Poetry's ``[tool.poetry.plugins.<group>]``, each group its own table (``pytest11`` is
    where pytest finds plugins)."""
    found = []
    for table, groups in (
        ("[project.entry-points", project.get("entry-points")),
        ("[tool.poetry.plugins", poetry.get("plugins")),
    ):
        if not isinstance(groups, dict):
            continue
        for group, points in groups.items():
            shown = group if _bare(group) else f'"{group}"'
            found.append((f"{table}.{shown}]", points, str(group)))
    return found


def _bare(key: str) -> bool:
    """A TOML bare key (``pytest11``), else it is written quoted (``"svq.handlers"``)."""
    return bool(key) and all(c.isalnum() or c in "-_" for c in key)


def unwritten_scripts(info: Path, data: dict[str, Any]) -> list[Unwritten]:
    """The scripts pyproject.toml declares that the install at ``info`` (a ``.dist-info``)
    has no entry point for, or one for another object reference."""
    declared = declared_scripts(data)
    if not declared:
        return []
    try:
        points = metadata.PathDistribution(info).entry_points
    except Exception:  # noqa: B902 - an unreadable entry_points.txt is another check's
        return []
    installed = {(point.group, point.name): point.value for point in points}
    found = []
    for script in declared:
        value = installed.get((script.group, script.name))
        if value is None or _plain(value) != _plain(script.reference):
            found.append(Unwritten(script, value))
    return found


def _plain(reference: str) -> str:
    return "".join(reference.split())


def unreached(info: Path, root: Path, modules: list[str], data: dict[str, Any]) -> Unreached | None:
    """A package of ``modules`` that the path hooks of the editable install at ``info`` do not
    hold while the project does (in one of poetry-core's places), and that does not import:
    the package was moved since the install. ``None`` for an install without path hooks (not
    editable, or an import hook: other checks read those)."""
    for hook in _path_hooks(info):
        names = _integrity._pth_directories(hook)
        if not names:
            continue
        for module in modules:
            if any((d / module).is_dir() or (d / f"{module}.py").is_file() for d in names):
                continue
            now = next((p for p in _places(root, module, data) if p.exists()), None)
            if now is None or _importable(module):
                continue
            return Unreached(module, hook, tuple(names), now)
    return None


def unplaced(info: Path, root: Path, data: dict[str, Any]) -> Unplaced | None:
    """A ``[tool.poetry] packages`` entry with ``to`` (poetry-core places the package under
    that directory when it builds a wheel) whose package the editable install at ``info``
    reaches only by its own name: its path hook names the directory the package is in, so the
    name the wheel gives it (``to`` and ``include`` joined) does not import."""
    poetry = (data.get("tool") or {}).get("poetry") or {}
    hooks = _path_hooks(info)
    if not hooks:
        return None
    for entry in poetry.get("packages") or ():
        if not isinstance(entry, dict):
            continue
        include, to = entry.get("include"), entry.get("to")
        formats = entry.get("format")
        if isinstance(formats, str):
            formats = [formats]
        if not isinstance(include, str) or not isinstance(to, str) or not to.strip("/"):
            continue
        if formats is not None and "wheel" not in formats:
            continue
        if any(c in include for c in "*?["):
            continue
        inner = Path(include.removesuffix(".py")).parts
        outer = Path(to.strip("/")).parts
        if not inner or not all(p.isidentifier() for p in (*outer, *inner)):
            continue
        base = root / str(entry.get("from") or ".")
        if not (base / include).exists():
            continue
        hook = next(
            (h for h in hooks if any(_same_dir(d, base) for d in _integrity._pth_directories(h))),
            None,
        )
        module = ".".join((*outer, *inner))
        if hook is None or _integrity._spec_without_import(module) is not None:
            continue
        return Unplaced(module, ".".join(inner), include, to.strip("/"), base, hook)
    return None


def _path_hooks(info: Path) -> list[Path]:
    """The ``.pth`` files of the install at ``info`` (RECORD's, in its site directory)."""
    site = info.parent
    found = []
    for path in _integrity.recorded(info):
        hook = site / path
        if hook.suffix == ".pth" and _same_dir(hook.parent, site):
            found.append(hook)
    return found


def _places(root: Path, module: str, data: dict[str, Any]) -> list[Path]:
    """Where poetry-core looks for the project's package ``module``."""
    poetry = (data.get("tool") or {}).get("poetry") or {}
    places = []
    for entry in poetry.get("packages") or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("include"), str):
            continue
        if entry["include"].split("/")[0].removesuffix(".py") == module:
            base = root / str(entry.get("from") or ".")
            places += [base / module, base / f"{module}.py"]
    for base in (root, root / "src"):
        places += [base / module, base / f"{module}.py"]
    return places


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
