"""PEP 751 lock files (``pylock.toml``, written by ``pip lock``, ``uv export``, PDM): the
project's pinned packages, and the ``lock-drift`` check of a project without Poetry that has
one. Each ``[[packages]]`` entry names a package and its version, and a ``marker`` for the
environments it is installed in; the file's ``environments`` and ``requires-python`` say which
environments it is for. ``pip install -r pylock.toml`` (pip 26.1+) installs those versions."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.checks.venv import fixes as _fixes
from envcheck.checks.venv import installed as _installed
from envcheck.checks.venv import lockdiff as _lockdiff
from envcheck.checks.venv import pipconf as _pipconf
from envcheck.checks.venv import project as _project
from envcheck.core.fix import Manual
from envcheck.core.format import listed
from envcheck.core.model import CheckFailed, CheckSkipped, Context, Outcome, ok

NAME = "pylock.toml"
_PYTHON = ".".join(map(str, sys.version_info[:3]))


@dataclass(frozen=True)
class Pinned:
    name: str
    #: "" where the entry has none (a directory or VCS source)
    version: str
    marker: str


@dataclass(frozen=True)
class Pylock:
    path: Path
    packages: tuple[Pinned, ...]
    environments: tuple[str, ...]
    requires_python: str
    default_groups: tuple[str, ...]


def locate(rootdir: Path) -> Path | None:
    """The ``pylock.toml`` of the project the venv checks judge (pytest's rootdir, or the
    running virtualenv's project), if it has one."""
    root = _project.locate(rootdir, Path(sys.prefix).resolve()).root
    path = root / NAME if root is not None else None
    return path if path is not None and path.is_file() else None


def read(path: Path) -> Pylock:
    """``path`` as PEP 751 defines it (``ValueError``: not TOML, or a ``lock-version`` whose
    major version is not 1, which installers refuse)."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"{path} is not valid TOML ({exc})") from None
    version = str(data.get("lock-version", ""))
    if version.split(".")[0] != "1":
        raise ValueError(f"{path} has lock-version {version or '(none)'}; PEP 751 defines 1.x")
    packages = []
    for entry in data.get("packages") or ():
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            packages.append(
                Pinned(
                    str(entry["name"]),
                    str(entry.get("version") or ""),
                    str(entry.get("marker") or ""),
                )
            )
    environments = data.get("environments")
    groups = data.get("default-groups")
    return Pylock(
        path,
        tuple(packages),
        tuple(str(e) for e in environments) if isinstance(environments, list) else (),
        str(data.get("requires-python") or ""),
        tuple(str(g) for g in groups) if isinstance(groups, list) else (),
    )


def _holds(marker: str, groups: tuple[str, ...]) -> bool | None:
    """Does ``marker`` hold here, in the lock file's context (no extras, the default groups:
    PEP 751's ``extras`` and ``dependency_groups`` variables)? ``None``: cannot be told."""
    if not marker:
        return True
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return None
    context: dict[str, Any] = {"extras": frozenset(), "dependency_groups": frozenset(groups)}
    evaluate: Any = parsed.evaluate  # the context argument: packaging 25+
    try:
        return bool(evaluate(context, "lock_file"))
    except TypeError:  # a packaging without the lock file context
        try:
            return parsed.evaluate({"extra": ""})
        except UndefinedEnvironmentName:
            return None
    except UndefinedEnvironmentName:
        return None


def _ambiguous(here: list[Pinned]) -> tuple[str, list[str]] | None:
    """The first package of which more than one entry applies here, and those entries'
    versions."""
    seen: dict[str, list[Pinned]] = {}
    for pinned in here:
        seen.setdefault(canonicalize_name(pinned.name), []).append(pinned)
    for entries in seen.values():
        if len(entries) > 1:
            return entries[0].name, [p.version or "(no version)" for p in entries]
    return None


def _by_group(lock: Pylock, here: list[Pinned]) -> str:
    """The packages of ``here`` that are not installed and are there only for a dependency
    group of the lock's ``default-groups`` (their marker false without it: PEP 751's
    ``dependency_groups`` variable), with that group: "demo-doc for the group docs"."""
    said = []
    for pinned in here:
        if (
            _installed.find(canonicalize_name(pinned.name)) is not None
            or _holds(pinned.marker, ()) is not False
        ):
            continue
        groups = [g for g in lock.default_groups if _holds(pinned.marker, (g,))]
        if groups:
            said.append(f"{pinned.name} for the dependency group {' and '.join(groups)}")
    if not said:
        return ""
    return (
        f"{listed(said, 3)}, which its default-groups ({', '.join(lock.default_groups)}) "
        "installs when no group is asked for"
    )


def drift(ctx: Context) -> Outcome:
    """The ``lock-drift`` check of a project without Poetry that has a ``pylock.toml``."""
    path = locate(ctx.rootdir)
    if path is None:
        raise CheckSkipped(f"no {NAME} in the project to compare with")
    try:
        lock = read(path)
    except ValueError as exc:
        raise CheckFailed(
            str(exc),
            why="pip and uv refuse a lock file they cannot read",
            fix=_fixes.make(Manual(f"write {path} again with the tool that made it (pip lock)")),
        ) from None
    if lock.environments and not any(_holds(m, lock.default_groups) for m in lock.environments):
        raise CheckFailed(
            f"{path} is for other environments: {listed(list(lock.environments), 3)}",
            why=f"PEP 751: an installer refuses a lock whose environments markers are all false "
            f"here (Python {_PYTHON} on {sys.platform})",
            fix=_fixes.make(Manual(f"lock for this environment too (e.g. pip lock -o {path})")),
        )
    try:
        excluded = bool(lock.requires_python) and not SpecifierSet(lock.requires_python).contains(
            _PYTHON, prereleases=True
        )
    except InvalidSpecifier:
        excluded = False
    if excluded:
        raise CheckFailed(
            f"{path} requires Python {lock.requires_python}, not {_PYTHON}",
            why="PEP 751: an installer refuses a lock whose requires-python excludes the "
            "interpreter",
            fix=_fixes.make(Manual(f"lock for Python {_PYTHON} too, or use a Python it allows")),
        )
    here = [p for p in lock.packages if _holds(p.marker, lock.default_groups)]
    twice = _ambiguous(here)
    if twice:
        name, versions = twice
        raise CheckFailed(
            f"{path} has {len(versions)} [[packages]] entries of {name} that apply here "
            f"({', '.join(versions)})",
            why="PEP 751: an installer takes, of each package, the one entry whose marker holds "
            "here, and MUST raise an error when another entry of the same package holds too "
            '(pip: "Multiple packages with the name ... are selected"): `pip install -r` of '
            f"{path.name} installs nothing, whatever the environment has (a lock merged by hand "
            "from two branches, or entries whose markers overlap)",
            fix=_fixes.make(
                Manual(
                    f"keep one entry of {name} in {path} (or give the entries markers that "
                    "exclude each other), or write it again with the tool that made it (pip "
                    "lock, uv export, pdm export)"
                )
            ),
            facts={"lock": str(path), "package": name, "versions": ", ".join(versions)},
        )
    found = _lockdiff.compare((_lockdiff.Pin(p.name, p.version) for p in here), NAME)
    facts: dict[str, Any] = {
        "lock": str(path),
        "locked": len(lock.packages),
        "expected_here": len(here),
    }
    pip = _installed.find("pip")
    try:
        reads = pip is not None and Version(pip.version) >= Version("26.1")
    except InvalidVersion:
        reads = False
    # pip's own configuration that would send the install elsewhere, undone for the command
    env, said = _pipconf.overrides({p.name: p.version for p in here if p.version})
    install = _fixes.pip_install("-r", str(path), env=env)
    if found and not reads:
        # pip reads pylock.toml (-r) since 26.1
        steps = [_fixes.pip_install("pip>=26.1", env=env), install]
    else:
        steps = [install]
    if found:
        grouped = _by_group(lock, here)
        raise CheckFailed(
            found.summary(),
            why=f"PEP 751: {path} pins each package it installs here (its marker true for Python "
            f"{_PYTHON} on {sys.platform}"
            + (f"; {grouped}" if grouped else "")
            + "); the environment was installed from another version "
            "of it (it was locked again since) or changed after",
            fix=_fixes.make(
                *steps,
                note=f"installs the versions {path.name} pins; uv: uv pip install -r {path}"
                + (f"; {said}" if said else ""),
            ),
            facts={**facts, **found.facts()},
        )
    return ok(
        f"{len(here)} installed packages match {path} "
        f"({len(lock.packages) - len(here)} for other environments)",
        **facts,
    )
