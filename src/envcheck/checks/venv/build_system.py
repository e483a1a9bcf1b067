"""The project's ``[build-system]`` table as PEP 518 and PEP 517 define it: what pip, build and
uv refuse before they build the project (``pip install -e .`` installs nothing then).

- PEP 518: ``requires`` is required when the table is there ("tools should consider it an
  error"; pip: ``missing-pyproject-build-system-requires``), a list of PEP 508 requirements
  (pip: ``invalid-pyproject-build-system-requires``);
- PEP 517: ``build-backend`` is a string (``module`` or ``module:object``); ``backend-path``
  lists directories relative to the project and inside it, from which the backend is imported
  (an in-tree backend: ``BackendUnavailable`` when its module is in none of them).
"""

from __future__ import annotations

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
    return out
