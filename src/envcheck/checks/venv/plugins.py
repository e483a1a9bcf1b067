"""The Poetry plugins a project requires (Poetry 2's ``[tool.poetry.requires-plugins]``) and
where Poetry finds them: its own environment, or the project's plugin cache ``.poetry/plugins``,
which only ``poetry install`` fills (``ProjectPluginCache`` in poetry/plugins/plugin_manager.py).
A requirement whose marker is false for Poetry's environment is not needed there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, default_environment
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.checks.venv import poetry_batch as _poetry_batch
from envcheck.checks.venv import project as _project

#: where ``poetry install`` puts a project's required plugins (relative to the project)
CACHE = Path(".poetry") / "plugins"


@dataclass(frozen=True)
class Missing:
    """A plugin the project requires that Poetry does not find."""

    name: str
    #: the requirement as written (``>=1.8``, ``path = ...``)
    wanted: str
    #: the version found where Poetry looks, when it does not satisfy ``wanted``
    found: str = ""


def _site_packages(interpreter: Path) -> list[Path]:
    """The site-packages of the environment ``interpreter`` runs (a virtualenv's, as pipx,
    the official installer and Homebrew install Poetry; else its prefix's)."""
    prefix = interpreter.parent.parent
    return sorted(prefix.glob("lib/python3*/site-packages")) + sorted(
        prefix.glob("lib/python3/dist-packages")
    )


def _installed(directories: list[Path]) -> dict[str, str]:
    """Distribution name (canonical) -> version of the ``.dist-info`` directories there."""
    found: dict[str, str] = {}
    for directory in directories:
        for info in directory.glob("*.dist-info"):
            name, _, version = info.name[: -len(".dist-info")].partition("-")
            found.setdefault(canonicalize_name(name), version)
    return found


def _environment(sites: list[Path]) -> dict[str, str]:
    """The marker environment of Poetry's interpreter: this one's, with its Python version
    taken from its site-packages (``lib/python3.X``)."""
    environment = {k: str(v) for k, v in default_environment().items()}
    for site in sites:
        minor = re.fullmatch(r"python(\d+\.\d+)", site.parent.name)
        if minor and minor.group(1) != environment["python_version"]:
            environment["python_version"] = minor.group(1)
            environment["python_full_version"] = f"{minor.group(1)}.0"
    return environment


def _needed(spec: Any, environment: dict[str, str]) -> bool:
    """Does this requirement (a constraint string, or a table with ``markers``/``python``)
    apply to Poetry's environment? Unreadable conditions count as applying."""
    if not isinstance(spec, dict):
        return True
    markers = spec.get("markers")
    if isinstance(markers, str) and markers:
        try:
            if not Marker(markers).evaluate({**environment, "extra": ""}):
                return False
        except InvalidMarker:
            pass
    python = spec.get("python")
    if isinstance(python, str):
        pep = _project.poetry_constraint(python)
        try:
            if pep and not SpecifierSet(pep).contains(environment["python_full_version"], True):
                return False
        except InvalidSpecifier:
            pass
    return True


def _satisfied(spec: Any, version: str) -> bool:
    """Does ``version`` meet the requirement's version constraint (none for a path, url or
    git requirement: any installed version of it is the one asked for)?"""
    text = spec.get("version") if isinstance(spec, dict) else spec
    if not isinstance(text, str):
        return True
    pep = _project.poetry_constraint(text)
    try:
        return not pep or SpecifierSet(pep).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True


def _shown(spec: Any) -> str:
    if isinstance(spec, dict):
        return ", ".join(f"{k} = {v}" for k, v in spec.items())
    return str(spec)


def missing(program: str, root: Path) -> tuple[list[Missing], list[Path]]:
    """The plugins ``root``'s pyproject.toml requires that neither Poetry's environment (of the
    ``poetry`` at ``program``) nor the project's ``.poetry/plugins`` holds, and the places
    looked in; nothing when the project requires none or Poetry's environment is unknown."""
    try:
        data = _project.document(root)
    except ValueError:
        return [], []
    poetry = (data.get("tool") or {}).get("poetry")
    required = poetry.get("requires-plugins") if isinstance(poetry, dict) else None
    if not isinstance(required, dict) or not required:
        return [], []
    entry = _poetry_batch.entry_point(program)
    sites = _site_packages(Path(entry[0])) if entry is not None else []
    if not sites:
        return [], []  # not a standard Poetry script: where it looks is not known
    cache = root / CACHE
    places = [*sites, cache]
    installed = _installed(places)
    environment = _environment(sites)
    problems = []
    for name, specs in required.items():
        for spec in specs if isinstance(specs, list) else [specs]:
            if not _needed(spec, environment):
                continue
            version = installed.get(canonicalize_name(str(name)))
            if version is None:
                problems.append(Missing(str(name), _shown(spec)))
            elif not _satisfied(spec, version):
                problems.append(Missing(str(name), _shown(spec), version))
    return problems, places
