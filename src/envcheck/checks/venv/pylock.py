"""PEP 751 lock files (``pylock.toml``, written by ``pip lock``, ``uv export``, PDM): the
project's pinned packages, and the ``lock-drift`` check of a project without Poetry that has
one. Each ``[[packages]]`` entry names a package and its version, and a ``marker`` for the
environments it is installed in; the file's ``environments`` and ``requires-python`` say which
environments it is for. ``pip install -r pylock.toml`` (pip 26.1+) installs those versions.

Each entry also says where the package comes from (``wheels``, ``sdist``, ``archive``,
``directory``, ``vcs``), and an installer MUST verify a file's ``hashes`` and select a wheel
compatible with the environment (else the sdist, else error). A local source (a ``path``, or a
``file:`` URL) that no longer installs is judged here: the file gone or its sha256 another,
the directory gone or no Python project, and wheels whose tags are all another platform's with
no sdist; a remote one is not fetched."""

from __future__ import annotations

import hashlib
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import sys_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
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
    #: the entry's source tables as written (``wheels``, ``sdist``, ``archive``, ``directory``,
    #: ``vcs``), compared by nothing else
    sources: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


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
                    {k: entry[k] for k in _SOURCES if k in entry},
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


_SOURCES = ("wheels", "sdist", "archive", "directory", "vcs")


@dataclass(frozen=True)
class Unusable:
    """A package of the lock whose source no longer installs: what, in a sentence, and what a
    person restores."""

    name: str
    what: str
    restore: str


def _local(source: dict[str, Any], base: Path) -> Path | None:
    """The local file or directory a source table names (``path`` relative to the lock file's
    directory, or a ``file:`` URL); ``None``: a remote one."""
    from urllib.parse import unquote, urlparse

    if isinstance(source.get("path"), str):
        where = Path(source["path"])
        return where if where.is_absolute() else base / where
    url = source.get("url")
    if isinstance(url, str) and url.startswith("file:"):
        return Path(unquote(urlparse(url).path))
    return None


def _filename(source: dict[str, Any]) -> str:
    for key in ("name", "path", "url"):
        if isinstance(source.get(key), str) and source[key]:
            return str(source[key]).rstrip("/").rsplit("/", 1)[-1]
    return ""


def _file_problem(pinned: Pinned, source: dict[str, Any], base: Path) -> Unusable | None:
    """A locked file (wheel, sdist, archive) that is gone, or whose hash is not the lock's."""
    local = _local(source, base)
    if local is None:
        return None
    if not local.is_file():
        return Unusable(
            pinned.name,
            f"{pinned.name} is locked from {local.name} ({local}), which does not exist",
            f"put {local.name} back at {local}",
        )
    hashes = source.get("hashes")
    if not isinstance(hashes, dict):
        return None
    for algorithm, expected in hashes.items():
        if algorithm not in hashlib.algorithms_guaranteed or not isinstance(expected, str):
            continue
        digest = hashlib.new(algorithm)
        try:
            with local.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            return Unusable(pinned.name, f"{local} cannot be read ({exc})", f"restore {local}")
        if digest.hexdigest() != expected.lower():
            return Unusable(
                pinned.name,
                f"{pinned.name}'s locked file {local.name} has {algorithm} "
                f"{digest.hexdigest()[:16]}..., the lock says {expected[:16]}... (the file was "
                "rebuilt or replaced after it was locked)",
                f"put the locked {local.name} back",
            )
        break
    return None


def _unusable(lock: Pylock, here: list[Pinned]) -> list[Unusable]:
    """The entries of ``here`` whose local source an installer cannot install (PEP 751)."""
    base = lock.path.parent
    supported = {str(t) for t in sys_tags()}
    out: list[Unusable] = []
    for pinned in here:
        sources = pinned.sources
        directory = sources.get("directory")
        if isinstance(directory, dict):
            local = _local(directory, base)
            if local is not None and not (
                (local / "pyproject.toml").is_file() or (local / "setup.py").is_file()
            ):
                shown = directory.get("path") or str(local)
                state = "does not exist" if not local.exists() else "holds no Python project"
                out.append(
                    Unusable(
                        pinned.name,
                        f"{pinned.name} is locked from the directory {shown} ({local}), which "
                        f"{state} (neither pyproject.toml nor setup.py)",
                        f"put the project back at {shown} (or correct its path)",
                    )
                )
            continue
        wheels = [w for w in sources.get("wheels") or () if isinstance(w, dict)]
        fallback = [
            s for s in (sources.get("sdist"), sources.get("archive")) if isinstance(s, dict)
        ]
        fitting = []
        for wheel in wheels:
            try:
                tags = parse_wheel_filename(_filename(wheel))[3]
            except InvalidWheelFilename:
                fitting.append(wheel)  # cannot be told: taken to fit
                continue
            if any(str(t) in supported for t in tags):
                fitting.append(wheel)
        if wheels and not fitting and not fallback and "vcs" not in sources:
            names = [_filename(w) for w in wheels]
            out.append(
                Unusable(
                    pinned.name,
                    f"{pinned.name} is locked only as wheels for other platforms "
                    f"({listed(names, 3)}) and no sdist: none fits Python {_PYTHON} on "
                    f"{sys.platform}",
                    f"lock {pinned.name} for this platform too",
                )
            )
            continue
        for source in (*fitting, *(fallback if not fitting else ())):
            problem = _file_problem(pinned, source, base)
            if problem is not None:
                out.append(problem)
                break
    return out


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
    unusable = _unusable(lock, here)
    if unusable:
        raise CheckFailed(
            f"{path} cannot be installed: " + "; ".join(u.what for u in unusable[:3]),
            why="PEP 751: an installer verifies each locked file's hashes, takes a wheel whose "
            "tags fit the environment (else the sdist) and builds a locked directory; a source "
            "that no longer does stops every install from the lock (a fresh environment, CI, "
            "--ignore-installed), whatever this environment has installed already",
            fix=_fixes.make(
                Manual(
                    "; ".join(u.restore for u in unusable[:3])
                    + f", or write {path} again with the tool that made it (pip lock, uv "
                    "export, pdm export)"
                )
            ),
            facts={"lock": str(path), "packages": ", ".join(u.name for u in unusable)},
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
