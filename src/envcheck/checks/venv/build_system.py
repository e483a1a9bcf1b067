"""The project's ``[build-system]`` table as PEP 518 and PEP 517 define it: what pip, build and
uv refuse before they build the project (``pip install -e .`` installs nothing then).

- PEP 518: ``requires`` is required when the table is there ("tools should consider it an
  error"; pip: ``missing-pyproject-build-system-requires``), a list of PEP 508 requirements
  (pip: ``invalid-pyproject-build-system-requires``);
- PEP 517: ``build-backend`` is a string (``module`` or ``module:object``); ``backend-path``
  lists directories relative to the project and inside it, from which the backend is imported
  (an in-tree backend: ``BackendUnavailable`` when its module is in none of them); the object
  after the colon is taken from the module with ``getattr`` (pyproject_hooks), so an in-tree
  module that does not define it stops every build with ``AttributeError``;
- PEP 660: ``build_editable`` is the hook of an editable install; an in-tree backend that
  builds wheels (``build_wheel``) and defines no ``build_editable`` cannot install the project
  editable (pip: "uses a build backend that is missing the 'build_editable' hook").
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

#: build backends (``build-backend``) and the distribution that provides each
PROVIDERS = {
    "setuptools.build_meta": "setuptools",
    "setuptools.build_meta:__legacy__": "setuptools",
    "hatchling.build": "hatchling",
    "poetry.core.masonry.api": "poetry-core",
    "flit_core.buildapi": "flit_core",
    "pdm.backend": "pdm-backend",
    "maturin": "maturin",
    "scikit_build_core.build": "scikit-build-core",
    "mesonpy": "meson-python",
    "uv_build": "uv_build",
    "sipbuild.api": "sip",
}


@dataclass(frozen=True)
class Problems:
    """What is wrong with ``[build-system]`` (each in a sentence), and ``requires`` to write
    when it is missing and the backend says which distribution provides it."""

    problems: tuple[str, ...]
    requires: list[str] | None = None


def problems(data: dict[str, Any], root: Path) -> Problems | None:
    """``[build-system]`` of the parsed pyproject.toml ``data`` of the project at ``root``
    against PEP 517/518 (``None``: nothing wrong, or no table: PEP 517's fallback to
    setuptools' legacy build)."""
    if "build-system" not in data:
        return None
    table = data["build-system"]
    if not isinstance(table, dict):
        return Problems((f"[build-system] is a {type(table).__name__}, not a table",))
    found: list[str] = []
    suggested: list[str] | None = None
    backend = table.get("build-backend")
    if backend is not None and not isinstance(backend, str):
        found.append(f"build-backend = {backend!r} is not a string (PEP 517: module:object)")
        backend = None
    if "requires" not in table:
        provider = PROVIDERS.get(backend) if backend else "setuptools"
        suggested = [provider] if provider else None
        found.append(
            "[build-system] has no requires (PEP 518: the key is required when the table is "
            "there; it lists what the build backend"
            + (f" {backend}" if backend else "")
            + " needs)"
        )
    else:
        found += _requires(table["requires"])
    found += _backend_path(table.get("backend-path"), backend, root)
    return Problems(tuple(found), suggested) if found else None


def _requires(requires: Any) -> list[str]:
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        return [f"[build-system] requires = {requires!r} is not a list of strings"]
    out = []
    for text in requires:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            out.append(
                f"[build-system] requires: {text!r} is not a PEP 508 requirement "
                f"({str(exc).splitlines()[0]})"
            )
    return out


def _backend_path(paths: Any, backend: str | None, root: Path) -> list[str]:
    if paths is None:
        return []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        return [f"[build-system] backend-path = {paths!r} is not a list of strings"]
    out = []
    inside = []
    for entry in paths:
        where = (root / entry).resolve()
        if Path(entry).is_absolute() or not where.is_relative_to(root.resolve()):
            out.append(
                f"[build-system] backend-path entry {entry!r} is not a directory inside the "
                "project (PEP 517: relative to it, and within it)"
            )
        else:
            inside.append(where)
    module = (backend or "").split(":")[0].split(".")[0]
    if (
        module
        and inside
        and not any((d / module).is_dir() or (d / f"{module}.py").is_file() for d in inside)
    ):
        out.append(
            f"build-backend {backend!r} is in none of backend-path {', '.join(paths)} (no "
            f"{module}/ or {module}.py there): the front-end cannot import it "
            "(BackendUnavailable)"
        )
    elif backend and inside:
        out += _object_missing(backend, inside, root) or _no_editable_hook(backend, inside, root)
    return out


#: the project's requirements files that may install the project itself
_REQUIREMENTS = ("requirements.txt", "requirements-dev.txt", "dev-requirements.txt")


def _editable_line(root: Path) -> str | None:
    """A line of the project's requirements files that installs the project itself editable
    (``-e .``), as ``file: line``: the project's own workflow needs PEP 660's hook."""
    from envcheck.initkit import venv as _initkit

    for name in _REQUIREMENTS:
        path = root / name
        if not path.is_file():
            continue
        for line in _initkit.requirement_file_lines(path):
            match = re.fullmatch(r"(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)", line)
            target = match.group(1).removeprefix("file:") if match else ""
            if target and (path.parent / target).resolve() == root.resolve():
                return f"{name}: {line}"
    return None


def _module_file(backend: str, inside: list[Path]) -> Path | None:
    """The file of the in-tree backend's module (``backend`` without ``:object``)."""
    parts = backend.split(":")[0].split(".")
    for directory in inside:
        for candidate in (
            directory.joinpath(*parts).with_suffix(".py"),
            directory.joinpath(*parts, "__init__.py"),
        ):
            if candidate.is_file():
                return candidate
    return None


def _top_names(candidate: Path) -> set[str] | None:
    """The names a module defines at its top level (``None``: they cannot be told from its
    text: a star import, a module ``__getattr__``, a file that does not parse)."""
    try:
        tree = ast.parse(candidate.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    names: set[str] = set()
    todo = list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(alias.name == "*" for alias in node.names):
                return None
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            # names defined under a condition count as defined
            for field in ("body", "orelse", "finalbody"):
                todo += getattr(node, field, [])
            for handler in getattr(node, "handlers", []):
                todo += handler.body
    return None if "__getattr__" in names else names


def _shown(candidate: Path, root: Path) -> Path:
    base = root.resolve()
    return candidate.relative_to(base) if candidate.is_relative_to(base) else candidate


def _object_missing(backend: str, inside: list[Path], root: Path) -> list[str]:
    """PEP 517's ``module:object``: the in-tree module read for its top-level names; an object
    it does not define stops every build (pyproject_hooks takes it with ``getattr``)."""
    if ":" not in backend:
        return []
    target = backend.split(":", 1)[1].split(".")[0].strip()
    candidate = _module_file(backend, inside)
    names = _top_names(candidate) if candidate is not None else None
    if not target or names is None or target in names or candidate is None:
        return []
    shown = _shown(candidate, root)
    defined = sorted(n for n in names if n.startswith(("build_", "prepare_metadata_for_")))
    return [
        f"build-backend {backend!r} names the object {target} of {shown}, which defines no "
        f"{target} at its top level"
        + (f" (it defines the hooks {', '.join(defined[:3])} itself)" if defined else "")
        + ": the front-end takes the object with getattr (PEP 517's module:object) and every "
        f"build of the project stops with AttributeError; define {target} in {shown}, or "
        f"set build-backend to {backend.split(':')[0]!r} when the module itself holds the hooks"
    ]


def _no_editable_hook(backend: str, inside: list[Path], root: Path) -> list[str]:
    """PEP 660: the in-tree backend's module (``backend`` without ``:object``) read for its
    top-level names: one that defines ``build_wheel`` and no ``build_editable`` cannot install
    the project editable, which a project whose requirements file says ``-e .`` needs.
    Nothing is said when the names cannot be told (a star import, a module ``__getattr__``, an
    object named after the colon), or when nothing installs the project editable."""
    editable = _editable_line(root) if ":" not in backend else None
    if editable is None:
        return []
    candidate = _module_file(backend, inside)
    names = _top_names(candidate) if candidate is not None else None
    if candidate is None or names is None:
        return []
    if "build_wheel" not in names or "build_editable" in names:
        return []
    shown = _shown(candidate, root)
    return [
        f"build-backend {backend!r} ({shown}) defines build_wheel and no build_editable "
        f"hook (PEP 660), and {editable!r} installs the project editable: `pip install -e "
        ".` stops (\"missing the 'build_editable' hook\"), though the project builds as "
        f"a wheel; define build_editable (and "
        f"prepare_metadata_for_build_editable) in {shown}, or use a build backend that "
        "supports PEP 660"
    ]
