"""The venv checks of what is installed: ``lock-drift``, ``package[...]`` and ``consistency``.

Each fix targets the environment the fix can change: when pytest runs from another environment
than the project's Poetry environment, ``poetry install`` or ``poetry add`` change that other one,
so the fix says to run pytest there (``poetry run pytest``).
"""

from __future__ import annotations

import functools
import re
import shlex
import sys
from collections.abc import Iterator, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.checks.venv import installed as _installed
from envcheck.checks.venv import poetry as _poetry
from envcheck.checks.venv import project as _project
from envcheck.core.format import listed
from envcheck.core.model import CheckFailed, CheckSkipped, Context, FactValue, Outcome, ok, warn

_CHANGED = "the environment was changed after `poetry install` (pip install/uninstall, an old env)"


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _satisfies(requirement: Requirement, version: str) -> bool:
    return not requirement.specifier or requirement.specifier.contains(version, prereleases=True)


def _pip() -> str:
    return f"{shlex.quote(sys.executable)} -m pip install"


def in_the_right_env(ctx: Context, fix: str, name: str | None = None) -> tuple[str, str | None]:
    """``fix`` if pytest runs in the project's Poetry environment; else what makes it do so.

    Returns the hint and a why-line about the environment (``None`` when it is the right one).
    With ``name``, a package that the Poetry environment has (at a version the caller will
    judge) is reported as there.
    """
    try:
        expected, _ = _poetry.env_path(ctx)
    except CheckFailed:
        return fix, None  # Poetry itself is missing or broken: its own check says so
    here = _poetry.running_env()
    root = shlex.quote(str(ctx.rootdir))
    if expected is None:
        first = fix if fix.startswith("poetry add") else "poetry install"
        return (
            f"cd {root} && {first} && poetry run pytest",
            f"Poetry has no environment for this project yet; pytest runs from {here}",
        )
    if expected == here:
        return fix, None
    return (
        f"{fix} && poetry run pytest",
        f"pytest runs from {here}, not from the project's Poetry environment {expected}",
    )


def lock_drift(ctx: Context) -> Outcome:
    lock = ctx.rootdir / "poetry.lock"
    if not lock.is_file():
        raise CheckSkipped(f"no poetry.lock in {ctx.rootdir} to compare with")
    cache = ctx.config.extra.get("pytest_cache")
    parsed, project = _project.read_lock(lock, cache), _project.read_project(ctx.rootdir)
    installed = _installed.installed()
    groups = project.default_groups
    drift = [
        f"{name} {installed[name].version} installed, lock says {p.version}"
        for name, p in sorted(parsed.packages.items())
        if name in installed and not _same_version(installed[name].version, p.version)
    ]
    absent = [p for name, p in sorted(parsed.packages.items()) if name not in installed]
    missing = [
        f"{p.name} {p.version} ({', '.join(g for g in p.groups if g in groups)})"
        for p in absent
        if p.wanted(groups)
    ]
    unknown = [f"{p.name} {p.version}" for p in absent if p.wanted(groups) is None]
    expected = sum(1 for p in parsed.packages.values() if p.wanted(groups) is not False)
    facts: dict[str, FactValue] = {
        "locked": len(parsed.packages),
        "expected_here": expected,
        "installed_and_locked": len(set(parsed.packages) & set(installed)),
        "groups": sorted(groups),
    }
    counted = f"groups {', '.join(sorted(groups))}"
    if project.optional_groups:
        counted += f"; optional groups not counted: {', '.join(sorted(project.optional_groups))}"
    if drift or missing:
        problems = drift + [f"{m} is locked but not installed" for m in missing]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        fix = "poetry install" + with_groups(ctx, installed)
        hint, where = in_the_right_env(ctx, fix)
        why = f"{_CHANGED}; counted: {counted}, packages whose markers fit this platform"
        raise CheckFailed(
            f"{problems[0]}{more}",
            why=f"{where}; {why}" if where else why,
            hint=hint,
            facts={**facts, "drift": drift, "missing": missing},
        )
    if unknown:
        ctx.fact(**facts, not_installed=unknown, lock_version=parsed.version)
        return warn(
            f"{len(unknown)} locked packages are not installed: {listed(unknown, 5)}",
            hint="poetry lock && poetry install   (a current lock file records each package's "
            "groups and platform markers)",
        )
    return ok(
        f"{facts['installed_and_locked']} installed packages match poetry.lock "
        f"({expected} expected here: {counted})",
        **facts,
    )


def with_groups(ctx: Context, installed: Mapping[str, object]) -> str:
    """``--with docs`` for optional groups whose locked packages are installed here (a plain
    ``poetry install``/``sync`` would leave them out or remove them)."""
    lock = ctx.rootdir / "poetry.lock"
    if not lock.is_file():
        return ""
    cache = ctx.config.extra.get("pytest_cache")
    project, parsed = _project.read_project(ctx.rootdir), _project.read_lock(lock, cache)
    groups = {
        g
        for p in parsed.packages.values()
        if p.name in installed
        for g in p.groups
        if g in project.optional_groups
    }
    return f" --with {','.join(sorted(groups))}" if groups else ""


def package(requirement: str, dev: bool, ctx: Context) -> Outcome:
    req = Requirement(requirement)
    dist = _installed.find(canonicalize_name(req.name))
    if dist is not None and _satisfies(req, dist.version):
        return ok(f"{req.name} {dist.version}", version=dist.version)
    if dist is None:
        summary, facts = f"{req.name} is not installed", {}
    else:
        summary = f"{req.name} {dist.version} is installed, but {requirement} is required"
        facts = {"version": dist.version}
    if not ctx.section.poetry:
        raise CheckFailed(
            summary,
            why=f"the project requires {requirement}",
            hint=f'{_pip()} "{requirement}"',
            facts=facts,
        )
    fix, why = _poetry_fix(ctx, req, dev)
    hint, where = in_the_right_env(ctx, fix)
    if where is not None:
        expected, _ = _poetry.env_path(ctx)
        name = canonicalize_name(req.name)
        there = _installed.installed_in(expected).get(name) if expected else None
        if there is not None and _satisfies(req, there.version):
            hint, why = (
                "poetry run pytest",
                f"the Poetry environment has {req.name} {there.version}",
            )
    raise CheckFailed(summary, why=f"{where}; {why}" if where else why, hint=hint, facts=facts)


def _poetry_fix(ctx: Context, req: Requirement, dev: bool) -> tuple[str, str]:
    """What puts ``req`` into the project's Poetry environment, and why that is the fix."""
    name = canonicalize_name(req.name)
    project = _project.read_project(ctx.rootdir)
    lock = ctx.rootdir / "poetry.lock"
    cache = ctx.config.extra.get("pytest_cache")
    locked = _project.read_lock(lock, cache).packages.get(name) if lock.is_file() else None
    add = f'poetry add {"--group dev " if dev else ""}"{req}"'
    if locked is not None and _satisfies(req, locked.version):
        wanted = locked.wanted(project.default_groups)
        optional = sorted(set(locked.groups) & project.optional_groups)
        if wanted is False and locked.extra_only:
            return (
                "poetry install --all-extras",
                f"poetry.lock has {req.name} {locked.version} only for an extra of the project",
            )
        if wanted is False and optional:
            return (
                f"poetry install --with {','.join(optional)}",
                f"poetry.lock has {req.name} {locked.version} in the optional group "
                f"{', '.join(optional)}, which a plain `poetry install` leaves out",
            )
        if wanted is False and any(locked.markers.values()):
            return (
                f"edit the marker of {req.name} in pyproject.toml, then: poetry lock && "
                "poetry install",
                f"poetry.lock installs {req.name} only where its markers hold "
                f"({'; '.join(sorted(set(locked.markers.values())))}), not on this platform",
            )
        if wanted is False:  # a group the lock has and pyproject.toml no longer declares
            return (
                "poetry lock && poetry install",
                f"poetry.lock has {req.name} {locked.version} only in group(s) "
                f"{', '.join(locked.groups)}, which pyproject.toml does not install",
            )
        return (
            "poetry install",
            f"poetry.lock has {req.name} {locked.version}, which is not installed here ("
            "`poetry install` not run since the lock changed, or removed by hand)",
        )
    if name in project.declared and locked is None:
        return (
            "poetry lock && poetry install",
            f"pyproject.toml declares {req.name}, but poetry.lock does not have it yet",
        )
    if name in project.declared:
        return add, f"poetry.lock has {req.name} {locked.version if locked else '?'}; " + (
            f"`poetry add` with the constraint updates pyproject.toml and the lock to {req}"
        )
    return add, f"the project requires {req}, and pyproject.toml does not declare it"


#: a marker that is a conjunction (no ``or``) with ``extra == "x"`` is false without an extra
_EXTRA_ONLY = re.compile(r"""extra\s*==\s*(["'])[^"']+\1""")
_OR = re.compile(r"\bor\b")


@functools.lru_cache(maxsize=4096)
def _requirement_here(line: str) -> Requirement | None:
    """The requirement of ``line`` if it applies without extras here (parsing is the slow part:
    requirements that only an extra asks for are recognised before it)."""
    marker = line.partition(";")[2]
    if _EXTRA_ONLY.search(marker) and not _OR.search(marker):
        return None
    try:
        req = Requirement(line)
    except InvalidRequirement:
        return None
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return None
    return req


def _broken_requirements() -> Iterator[tuple[str, Requirement]]:
    installed = _installed.installed()
    for dist in installed.values():
        for line in dist.requires:
            req = _requirement_here(line)
            if req is None:
                continue
            have = installed.get(canonicalize_name(req.name))
            head = f"{dist.name} {dist.version} requires {req}"
            if have is None:
                yield f"{head}, which is not installed", req
            elif not _satisfies(req, have.version):
                yield f"{head}, but {req.name} {have.version} is installed", req


def consistency(ctx: Context) -> Outcome:
    found = sorted(_broken_requirements(), key=lambda b: b[0])
    broken = [text for text, _ in found]
    total = len(_installed.installed())
    if broken:
        more = "".join(f"; {text}" for text in broken[1:])  # every one, none hidden
        why = "the installed set is inconsistent (what `pip check` reports)"
        if ctx.section.poetry:
            fix = "poetry sync" + with_groups(ctx, _installed.installed())
            hint, where = in_the_right_env(ctx, fix)
            hint += "   (or install the versions named above)"
            why = f"{where}; {why}" if where else why
        else:
            hint = f'{_pip()} "{found[0][1]}"'
        raise CheckFailed(
            f"{broken[0]}{more}",
            why=why,
            hint=hint,
            facts={"packages": total, "broken": broken},
        )
    return ok(f"{total} installed packages, all requirements met", packages=total)
