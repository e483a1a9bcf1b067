"""The ``venv`` component: Python, the virtualenv, Poetry, the lock file and the packages.

Poetry is run through :mod:`envcheck.checks.venv.poetry` (one process at a time, answers cached in
pytest's cache); the installed distributions are read once per run (:mod:`._installed`).
"""

from __future__ import annotations

import functools
import os
import platform
import shlex
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck import hookimpl
from envcheck.checks.venv import build_system as _build_system
from envcheck.checks.venv import config as _config
from envcheck.checks.venv import diagnose as _diagnose
from envcheck.checks.venv import fixes as _fixes
from envcheck.checks.venv import inline as _inline
from envcheck.checks.venv import installed as _installed
from envcheck.checks.venv import integrity as _integrity
from envcheck.checks.venv import managers as _managers
from envcheck.checks.venv import own_install as _own
from envcheck.checks.venv import pins as _pins
from envcheck.checks.venv import pipconf as _pipconf
from envcheck.checks.venv import plugins as _plugins
from envcheck.checks.venv import poetry as _poetry
from envcheck.checks.venv import project as _project
from envcheck.checks.venv import pylock as _pylock
from envcheck.checks.venv import pythons as _pythons
from envcheck.checks.venv import reqfiles as _reqfiles
from envcheck.checks.venv import stdlib as _stdlib
from envcheck.checks.venv import uvlock as _uvlock
from envcheck.checks.venv.config import COMPONENT, VenvConfig
from envcheck.checks.venv.packages import (
    consistency,
    local_installs,
    lock_drift,
    package,
    with_groups,
)
from envcheck.core.config import EnvcheckConfig
from envcheck.core.fix import Command, Edit, Manual, Step
from envcheck.core.model import (
    Check,
    CheckFailed,
    Context,
    FactValue,
    Outcome,
    ok,
    warn,
)
from envcheck.kit import Component


@hookimpl
def envcheck_config_sections() -> dict[str, Any]:
    return {COMPONENT: VenvConfig}


@hookimpl
def envcheck_default_config(rootdir: Path) -> dict[str, Any]:
    """Derived from the project, as ``envcheck init`` derives it (:mod:`envcheck.initkit.venv`)."""
    return _config.default_config(rootdir)


@hookimpl
def envcheck_checks(config: EnvcheckConfig) -> Iterator[Check]:
    section: VenvConfig | None = config.section(COMPONENT)
    if section is None:
        return
    if section.packages or section.dev_packages or section.consistency or section.poetry:
        # read while pytest collects: the checks then find them ready
        _installed.prefetch(
            [
                canonicalize_name(Requirement(r).name)
                for r in section.packages + section.dev_packages
            ]
        )

    make = Component(COMPONENT, section=section, timeout=10.0)
    # outside a virtualenv the installed set is the system's: comparing it says nothing
    in_venv = ("virtualenv",) if section.require_venv else ()

    yield make.check("project", project, "the project checked, and how it was found")
    if section.python:
        yield make.check("python-version", python_version, "Python satisfies the required version")
    if section.require_venv:
        yield make.check("virtualenv", virtualenv, "tests run inside a virtualenv")
    yield make.check(
        "stdlib", _stdlib.stdlib, "the standard library's optional modules (ssl, zlib...) import"
    )
    if section.poetry:
        yield make.check("poetry", poetry_installed, "Poetry is installed", timeout=section.timeout)
        yield make.check(
            "poetry-env",
            poetry_env,
            "this interpreter is the project's Poetry environment",
            "poetry",
            timeout=section.timeout,
        )
        yield make.check(
            "lock-file",
            lock_file,
            "poetry.lock exists and matches pyproject.toml",
            "poetry",
            timeout=section.timeout,
        )
        yield make.check(
            "lock-drift",
            lock_drift,
            "installed versions match poetry.lock",
            *in_venv,
            timeout=section.timeout,
        )
    elif _uvlock.locate(config.rootdir) is not None:
        yield make.check(
            "lock-drift",
            _uvlock.drift,
            f"installed versions match {_uvlock.NAME}",
            *in_venv,
            timeout=section.timeout,
        )
    elif _managers.has_lock(config.rootdir) is not None:
        yield make.check(
            "lock-drift",
            _managers.drift,
            "installed versions match the project's lock (pdm.lock, pip-compile's files)",
            *in_venv,
            timeout=section.timeout,
        )
    elif _pylock.locate(config.rootdir) is not None:
        yield make.check(
            "lock-drift",
            _pylock.drift,
            f"installed versions match {_pylock.NAME}",
            *in_venv,
            timeout=section.timeout,
        )
    for requirement in section.packages:
        yield make.check(
            f"package[{Requirement(requirement).name}]",
            functools.partial(package, requirement, False),
            f"{requirement} is installed",
            timeout=section.timeout,
        )
    for requirement in section.dev_packages:
        yield make.check(
            f"dev-package[{Requirement(requirement).name}]",
            functools.partial(package, requirement, True),
            f"dev tool {requirement} is installed",
            timeout=section.timeout,
        )
    yield make.check(
        "local-installs",
        local_installs,
        "path, editable and VCS installs (PEP 610) point at what exists",
        *in_venv,
        timeout=section.timeout,
    )
    if section.consistency:
        yield make.check(
            "consistency",
            consistency,
            "installed packages' requirements are met",
            *in_venv,
            timeout=section.timeout,
        )


def project(ctx: Context) -> Outcome:
    found = _project.where(ctx)
    if found.root is None:
        _project.root(ctx)  # skips, saying why
        raise AssertionError("unreachable")  # pragma: no cover
    root = found.root
    facts: dict[str, FactValue] = {"project": str(root), "found_by": found.how}
    try:
        data = _project.document(root)
    except ValueError as exc:
        pyproject = root / "pyproject.toml"
        try:
            lines = _project.conflict_lines(pyproject.read_bytes())
        except OSError:
            lines = []
        if lines:
            raise CheckFailed(
                f"{pyproject} holds git's merge conflict markers (lines "
                f"{', '.join(map(str, lines[:6]))}): a merge left it unresolved",
                why=f"TOML cannot read the markers: Poetry, pip and envcheck cannot read the "
                f"project (found as {found.how})",
                fix=_fixes.make(
                    Manual(
                        f"resolve the conflict in {pyproject} (keep what both sides meant), "
                        "`git add` it, then `poetry lock` if poetry.lock conflicted too"
                    )
                ),
                facts=facts,
            ) from None
        raise CheckFailed(
            str(exc),
            why=f"Poetry, pip and envcheck cannot read the project (found as {found.how})",
            fix=_fixes.make(Manual(f"correct the TOML of {pyproject}")),
            facts=facts,
        ) from None
    group_errors = _project.dependency_group_errors(data)
    if group_errors:
        pyproject = root / "pyproject.toml"
        twice = _project.duplicate_groups(data)
        merge = [
            Manual(
                f"merge the groups {first} and {second} of [dependency-groups] in {pyproject} "
                f"into one (their requirements under one name), or rename {second}"
            )
            for first, second in twice
        ]
        others = len(group_errors) > len(twice)
        raise CheckFailed(
            f"{pyproject}'s [dependency-groups] cannot be resolved: " + "; ".join(group_errors),
            why="PEP 735: an include-group must name a group of [dependency-groups], includes "
            "must not lead back to the group they start from, and no two group names may be "
            "one once normalized (PEP 503); pip install --group, uv sync and Poetry refuse the "
            "groups involved and install none of them",
            fix=_fixes.make(
                *merge,
                *(
                    [
                        Manual(
                            f"correct [dependency-groups] in {pyproject}: name an existing group "
                            "in each include-group, and list the shared requirements in one "
                            "group that the others include, instead of groups that include "
                            "each other"
                        )
                    ]
                    if others or not merge
                    else []
                ),
            ),
            facts=facts,
        )
    wrong = _project.field_errors(data, root) + _inline.bad_script_entries(data)
    if wrong:
        pyproject = root / "pyproject.toml"
        raise CheckFailed(
            f"{pyproject} declares what no installer accepts: " + "; ".join(wrong),
            why="pip, uv and build read [project] with packaging (PEP 621: requires-python a "
            "PEP 440 specifier, each dependency a PEP 508 requirement) and refuse the project "
            "on the first field they cannot read; Poetry locks and installs path dependencies "
            "only from files that exist",
            fix=_fixes.make(
                Manual(f"correct in {pyproject}: " + "; ".join(wrong)),
                note="then `poetry lock`, which cannot lock the project before",
            ),
            facts=facts,
        )
    build = _build_system.problems(data, root)
    if build is not None:
        raise _build_system_failed(ctx, root, build, facts)
    refused = _reqfiles.refused(root)
    if refused:
        raise CheckFailed(
            f"pip refuses {refused[0].holder}: " + "; ".join(r.what for r in refused[:3]),
            why="pip reads a requirements file whole before it installs anything (its "
            "requirements-file format; hash-checking mode, which one --hash turns on, for the "
            "whole file): `pip install -r` of it stops and installs nothing",
            fix=_fixes.make(*_reqfiles.corrections(refused)),
            facts={**facts, "file": str(refused[0].holder), "line": refused[0].line},
        )
    scripts = _inline_scripts(root, facts)
    empty = _project.empty_include(root) if ctx.section.poetry else None
    if empty is not None:
        what, why, fix = _fixes.empty_include(
            ctx, root, empty, _fixes.poetry(root, ctx.rootdir, "install")
        )
        raise CheckFailed(what, why=why, fix=fix, facts={**facts, "include": empty.include})
    module = _project.missing_package(root) if ctx.section.poetry else None
    if module is not None:
        name = (data.get("project") or {}).get("name") or data["tool"]["poetry"]["name"]
        ctx.fact(**facts)
        edit = Edit(
            _project.relative(ctx, root / "pyproject.toml"),
            "toml",
            "tool.poetry.package-mode",
            False,
        )
        return warn(
            f"`poetry install` fails on the project itself: no file or folder for package "
            f"{module} in {root}",
            why=f"pyproject.toml declares the project {name} and Poetry's package-mode is on "
            f"(its default), so `poetry install` also installs the project, and poetry-core "
            f"finds none of {module}/, {module}.py, src/{module}/, src/{module}.py",
            fix=_fixes.make(
                edit,
                _fixes.poetry(root, ctx.rootdir, "install"),
                text=f"set tool.poetry.package-mode = false in {root / 'pyproject.toml'} "
                "(dependencies only; or run `poetry install --no-root` each time) && "
                "poetry install",
            ),
        )
    stale = _root_install(ctx, root, data) if ctx.section.poetry else None
    if stale is not None:
        ctx.fact(**facts)
        return stale
    if scripts is not None:
        ctx.fact(**facts)
        return scripts
    return ok(f"{root / 'pyproject.toml'} ({found.how})", **facts)


def _inline_scripts(root: Path, facts: dict[str, FactValue]) -> Outcome | None:
    """The project's scripts with inline metadata (PEP 723, :mod:`inline`): a block no tool
    reads, or a ``requires-python`` this Python is not in, fails; requirements this environment
    does not meet warn (``None``: nothing to say)."""
    missing: list[tuple[Path, list[str]]] = []
    current = platform.python_version()
    for path in _inline.scripts(root):
        script = _inline.read(path, root)
        if script is None:
            continue
        shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        if isinstance(script, _inline.Broken):
            raise CheckFailed(
                script.what,
                why="PEP 723 (inline script metadata): a script's dependencies and Python are "
                "read from its one `# /// script` block, which ends with a `# ///` line",
                fix=_fixes.make(Manual(script.change or f"correct {shown}")),
                facts={**facts, "script": str(path)},
            )
        if script.requires_python is not None and not script.requires_python.contains(
            current, prereleases=True
        ):
            raise CheckFailed(
                f"{shown}'s `# /// script` block says requires-python = "
                f'"{script.requires_python}", and this environment\'s Python is {current}',
                why="PEP 723: the script needs a Python its requires-python admits; pip "
                "(--requirements-from-script) refuses this one, and the script may use what "
                "this Python lacks",
                fix=_fixes.make(
                    Manual(
                        f"run {shown} with a Python in {script.requires_python} (`uv run {shown}` "
                        f"picks one; or a virtualenv of it), or change its requires-python if "
                        f"Python {current} is meant to run it"
                    )
                ),
                facts={**facts, "script": str(path)},
            )
        if path.parent == root:
            # a top-level script with its own block (noxfile.py's `dependencies = ["nox"]`) is
            # run by uv, pipx or nox in an environment of its own: only its block is judged
            continue
        unmet = []
        for requirement in script.dependencies:
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            dist = _installed.find(canonicalize_name(requirement.name))
            if dist is None:
                unmet.append(f"{requirement} (not installed)")
            elif not requirement.specifier.contains(dist.version, prereleases=True):
                unmet.append(f"{requirement} ({dist.version} is installed)")
        if unmet:
            missing.append((path, unmet))
    if not missing:
        return None
    path, unmet = missing[0]
    shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    env, said = _pipconf.overrides()
    install = _script_install(path, env)
    return warn(
        f"{shown}'s `# /// script` dependencies are not met in {sys.prefix}: " + ", ".join(unmet),
        why="PEP 723: the script declares what it imports in its inline metadata; run with this "
        "environment's Python it fails on the first import of what is missing",
        fix=_fixes.make(install, note=said),
        facts={**facts, "script": str(path)},
    )


def _script_install(path: Path, env: dict[str, str]) -> Command:
    """pip's install of a script's inline requirements: ``--requirements-from-script`` where
    this environment's pip reads it (25.1 and later), else the requirements listed."""
    pip = _installed.find("pip")
    try:
        reads = pip is not None and Version(pip.version) >= Version("25.1")
    except InvalidVersion:
        reads = False
    if reads:
        return _fixes.pip_install("--requirements-from-script", str(path), env=env)
    script = _inline.read(path, path.parent)
    listed = [str(r) for r in script.dependencies] if isinstance(script, _inline.Script) else []
    return _fixes.pip_install(*listed, env=env)


def _build_system_failed(
    ctx: Context, root: Path, build: _build_system.Problems, facts: dict[str, FactValue]
) -> CheckFailed:
    """``[build-system]`` that PEP 517/518 forbid: the fix writes ``requires`` where it is
    missing and the backend names its distribution, else says what to correct."""
    pyproject = root / "pyproject.toml"
    if build.requires is not None and len(build.problems) == 1:
        edit = Edit(
            _project.relative(ctx, pyproject), "toml", "build-system.requires", build.requires
        )
        fix = _fixes.make(edit, note="the distribution that provides the build backend")
    else:
        fix = _fixes.make(
            Manual(f"correct [build-system] in {pyproject}: " + "; ".join(build.problems))
        )
    return CheckFailed(
        f"{pyproject}'s [build-system] is what no build front-end accepts: "
        + "; ".join(build.problems),
        why="pip, build and uv read [build-system] before they build the project (PEP 518, "
        "PEP 517) and refuse it there: `pip install -e .` and `uv sync` of the project install "
        "nothing",
        fix=fix,
        facts=facts,
    )


def _root_install(ctx: Context, root: Path, data: dict[str, Any]) -> Outcome | None:
    """The project itself as Poetry installs it (package-mode on: editable, with the version
    pyproject.toml has then), judged in the project's own environment only: missing (``poetry
    install --no-root``), or installed with another version than pyproject.toml's now."""
    import importlib.util

    poetry = data.get("tool", {}).get("poetry", {}) or {}
    project = data.get("project", {}) or {}
    name = project.get("name") or poetry.get("name")
    # a package-mode that is no boolean is Poetry's schema error, which its own answers name
    if poetry.get("package-mode", True) is not True or not isinstance(name, str) or not name:
        return None
    canonical = canonicalize_name(name)
    prefix = Path(sys.prefix)
    venv = root / ".venv"
    # the project's .venv, also as a link to the environment (Poetry takes it as in-project)
    own = (
        prefix == venv
        or (venv.is_dir() and os.path.samefile(venv, prefix))
        or ("pypoetry" in prefix.parts and prefix.name.startswith(f"{canonical}-"))
    )
    if not own or not (root / "poetry.lock").is_file():
        return None
    install = _fixes.poetry(root, ctx.rootdir, "install")
    dist = _installed.find(canonical)
    if dist is None:
        renamed = _installed_as_another(ctx, root, name, prefix, install)
        if renamed is not None:
            return renamed
        modules = _project.root_modules(data, canonical)
        importable = [m for m in modules if _find_spec(importlib.util, m)]
        why = (
            "Poetry's package-mode is on (its default), so `poetry install` installs the project "
            "itself, editable; an install of the dependencies only leaves it out"
        )
        if not importable:
            raise CheckFailed(
                f"the project {name} itself is not installed in {prefix}: `import "
                f"{modules[0]}` fails here",
                why=f"{why}, and its package is not on sys.path without it (a src layout)",
                fix=_fixes.make(install, note="Poetry installs the project with its dependencies"),
            )
        return warn(
            f"the project {name} itself is not installed in {prefix}",
            why=f"{why}: `import {importable[0]}` works from the project's directory, but its "
            "metadata (importlib.metadata.version, entry points, console scripts) is missing",
            fix=_fixes.make(install, note="Poetry installs the project with its dependencies"),
        )
    if dist.location:
        _own_written(Path(dist.location), root, data, name, canonical, install)
    declared, field = _declared_version(project, poetry)
    if isinstance(declared, str) and not _same_version(declared, dist.version):
        return warn(
            f"the project {name} is installed at {dist.version}, but pyproject.toml says "
            f"{declared} ({field})",
            why="Poetry writes the project's metadata when it installs it (editable): its "
            "version, entry points and console scripts stay those of that install until "
            "`poetry install` runs again (importlib.metadata.version reports "
            f"{dist.version})",
            fix=_fixes.make(install),
        )
    return None


def _installed_as_another(
    ctx: Context, root: Path, name: str, prefix: Path, install: Command
) -> Outcome | None:
    """The project is not installed under its name, but another distribution is installed
    editable from its directory (PEP 610 ``dir_info``, ``url`` the project): what ``poetry
    install`` installed before the project's name changed. Poetry's next install adds the new
    name and leaves the old distribution (its metadata, entry points, scripts, path hook):
    ``poetry install`` removes no distribution."""
    for dist in _installed.installed().values():
        if not dist.location:
            continue
        url = _diagnose.direct_url(dist.name, Path(dist.location))
        if url is None or url.kind != "dir" or not url.editable or url.path is None:
            continue
        try:
            same = os.path.samefile(url.path, root)
        except OSError:
            continue
        if not same:
            continue
        uninstall = Command([sys.executable, "-m", "pip", "uninstall", "--yes", dist.name])
        ctx.fact(installed_as=dist.name, version=dist.version)
        return warn(
            f"the project {name} itself is not installed in {prefix}: {dist.name} "
            f"{dist.version} is, installed editable from this project's directory {root}, under "
            f"the name pyproject.toml had before it became {name}",
            why=f"{dist.name}'s direct_url.json (PEP 610: dir_info editable, url {url.url}) "
            f"says it is this project; Poetry installs the project under its name only when "
            f"`poetry install` runs, so importlib.metadata knows no {name} (its entry points "
            f"and scripts are {dist.name}'s), and `poetry install` leaves {dist.name} "
            "installed (it removes no distribution; only `poetry sync` removes what the lock "
            "does not name)",
            fix=_fixes.make(
                uninstall,
                install,
                note=f"pip removes {dist.name}; Poetry installs the project as {name}",
            ),
        )
    return None


def _declared_version(project: dict[str, Any], poetry: dict[str, Any]) -> tuple[Any, str]:
    """The project's version as Poetry reads it, and where: ``[project] version``; with
    ``version`` in ``[project] dynamic``, ``[tool.poetry] version`` (None without one: a
    plugin's); without a ``[project]`` table, ``[tool.poetry] version`` (Poetry 1's layout)."""
    if "version" in project:
        return project.get("version"), "[project] version"
    if "version" in (project.get("dynamic") or ()) or not project:
        return poetry.get("version"), "[tool.poetry] version" + (
            ", [project] lists version in dynamic" if project else ""
        )
    return None, ""


def _own_written(
    info: Path, root: Path, data: dict[str, Any], name: str, canonical: str, install: Command
) -> None:
    """What Poetry wrote when it installed the project (its path hook, its scripts) that no
    longer fits the project: raises the failure (:mod:`own_install`)."""
    prefix = Path(sys.prefix)
    away = _own.unreached(info, root, _project.root_modules(data, canonical), data)
    if away is not None:
        names = ", ".join(str(d) for d in away.names)
        raise CheckFailed(
            f"the project {name} is installed in {prefix}, but `import {away.module}` fails: "
            f"its path hook {away.hook.name} names {names}, which holds no {away.module}",
            why=f"{away.module} is at {away.now} now; Poetry wrote {away.hook} when it "
            "installed the project (editable), naming the directories its packages were in "
            "then, and writes it again only on `poetry install` (the project's layout is no "
            "part of poetry.lock, so `poetry check --lock` does not see the move)",
            fix=_fixes.make(
                install, note=f"its path hook then names the directory {away.module} is in"
            ),
            facts={"module": away.module, "hook": str(away.hook), "now": str(away.now)},
        )
    placed = _own.unplaced(info, root, data)
    if placed is not None:
        names = ", ".join(str(d) for d in _integrity._pth_directories(placed.hook))
        entry = f'{{ include = "{placed.include}", to = "{placed.to}" }}'
        there = placed.base / placed.to / placed.include
        raise CheckFailed(
            f"the project {name} is installed in {prefix}, but `import {placed.module}` fails: "
            f"its path hook {placed.hook.name} names {names}, where the package imports as "
            f"{placed.plain}",
            why=f"[tool.poetry] packages says {entry}: a built wheel holds {placed.to}/"
            f"{placed.include}, but an editable install (Poetry's, and poetry-core's "
            "build_editable, which an editable pip install calls) only puts the directory the "
            f"package is in on sys.path, so it imports as {placed.plain}, never as "
            f"{placed.module}, and `poetry install` writes the same hook again",
            fix=_fixes.make(
                Manual(
                    f"move {placed.base / placed.include} to {there} and declare it in "
                    f'[tool.poetry] packages as {{ include = "{placed.to}/{placed.include}" }} '
                    "(keeping its from, without to): the wheel is the same, and the editable "
                    f"install reaches {placed.module}"
                ),
                install,
            ),
            facts={"module": placed.module, "hook": str(placed.hook)},
        )
    unwritten = _own.unwritten_scripts(info, data)
    if not unwritten:
        return
    missing = [u.script for u in unwritten if u.installed is None]
    changed = [u for u in unwritten if u.installed is not None]
    kinds = [
        f"{kind}{'s' if len(these) > 1 else ''} {', '.join(s.name for s in these)} "
        f"({', '.join(sorted({s.table for s in these}))} in pyproject.toml)"
        for kind, these in (
            ("script", [s for s in missing if s.script]),
            ("entry point", [s for s in missing if not s.script]),
        )
        if these
    ]
    parts = []
    if kinds:
        parts.append(
            f"the project {name} is installed in {prefix} without its {' or its '.join(kinds)}"
        )
    subject = f"the project {name}'s"
    for one in changed:
        kind = "script" if one.script.script else f"entry point ({one.script.group})"
        parts.append(
            f"{'its' if parts else subject} {kind} {one.script.name} runs {one.installed}, "
            f"but {one.script.table} says {one.script.reference}"
        )
    groups = sorted({u.script.group for u in unwritten if not u.script.script})
    readers = (
        f"; entry points of {', '.join(groups)} are read from the installed entry_points.txt, "
        "never from pyproject.toml"
        + (" (pytest loads its plugins from pytest11 there)" if "pytest11" in groups else "")
        if groups
        else ""
    )
    where = sysconfig.get_path("scripts")
    raise CheckFailed(
        "; ".join(parts),
        why="Poetry writes the project's entry points and console scripts (in "
        f"{where}) when it installs the project, so one declared or changed since is not there "
        "until `poetry install` runs again (they are no part of poetry.lock's content-hash, "
        f"so `poetry check --lock` does not see it){readers}",
        fix=_fixes.make(install, note="Poetry installs the project again, with its entry points"),
        facts={"scripts": [u.script.name for u in unwritten]},
    )


def _find_spec(util: Any, module: str) -> bool:
    try:
        return util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _project_range(ctx: Context) -> _project.Project | None:
    found = _project.where(ctx)
    return _project.read_project(found.root) if found.root is not None else None


def python_version(ctx: Context) -> Outcome:
    spec: str = ctx.section.python
    wanted = SpecifierSet(spec)
    current = platform.python_version()
    facts: dict[str, FactValue] = {"version": current, "executable": sys.executable}
    if Version(current) in wanted:
        return ok(f"Python {current} satisfies {spec}", **facts)
    project = _project_range(ctx)
    declared = project.python if project is not None else None
    declared_from = project.python_from if project is not None else None
    both = wanted & SpecifierSet(declared) if declared else wanted
    why = f"this interpreter is {sys.executable}"
    if declared:
        why += (
            f"; the project itself requires Python {declared} ({declared_from}), "
            "and Poetry refuses an interpreter outside that range"
        )
    releases = _pythons.minors(both)
    root = _project.where(ctx).root or ctx.rootdir
    if not releases:
        raise CheckFailed(
            f"Python {current} does not satisfy {spec}, and no Python satisfies both it and "
            f"{declared_from} = {declared!r}",
            why=f"the wanted range ({_config.origin(ctx, 'python')}) and the project's own "
            "range do not overlap",
            fix=_fixes.make(
                Manual(f"make the two ranges agree in {root / 'pyproject.toml'}"),
                text=f"make the two ranges agree in {root / 'pyproject.toml'}",
            ),
            facts=facts,
        )
    found = _pythons.find(both, timeout=min(2.0, ctx.remaining()))
    if found is not None:
        why += f"; {found[0]} (Python {found[1]}) satisfies it"
    else:
        why += f"; no Python {' or '.join(releases[:3])} was found on this machine"
    raise CheckFailed(
        f"Python {current} does not satisfy {spec}",
        why=why,
        fix=_fixes.rebuild(ctx, root, found[0] if found else None, releases[0]),
        facts=facts,
    )


def _venv_manager(prefix: Path, root: Path | None) -> str:
    poetry_shell = os.environ.get("POETRY_ACTIVE") and _diagnose.stale_virtual_env() is None
    if poetry_shell or "pypoetry" in prefix.parts:
        return "poetry"
    cfg = _diagnose.pyvenv_cfg(prefix)
    if "uv" in cfg:
        return "uv"
    if root is not None and prefix == root / ".venv" and (root / "poetry.lock").is_file():
        return "poetry"
    if "virtualenv" in cfg:
        return "virtualenv"
    return "venv"


def virtualenv(ctx: Context) -> Outcome:
    root = _project.where(ctx).root
    if sys.prefix == sys.base_prefix:
        venv = (root or ctx.rootdir) / ".venv"
        if ctx.section.poetry and root is not None:
            fix = _fixes.make(
                _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root)),
                then="poetry run pytest",
            )
        else:
            fix = _fixes.make(
                Command([sys.executable, "-m", "venv", str(venv)]),
                note=f"install the project's packages into it, then run {venv}/bin/python -m "
                "pytest",
            )
        raise CheckFailed(
            f"not running inside a virtualenv (Python's prefix is {sys.prefix})",
            why="packages then come from the system interpreter, not from the project",
            fix=fix,
        )
    prefix = _diagnose.running_env()
    manager = _venv_manager(prefix, root)
    facts: dict[str, FactValue] = {"path": str(prefix), "manager": manager}
    stale = _diagnose.stale_virtual_env()
    unset = _fixes.make(
        Manual("unset VIRTUAL_ENV   (or `deactivate`) in this shell"),
        text="unset VIRTUAL_ENV   (or run `deactivate`) in this shell",
    )
    own = _own_venv_elsewhere(ctx, root, prefix, stale)
    if own is not None:
        return own
    moved = _diagnose.moved_from(prefix)
    if (
        stale is not None
        and stale.kind == "missing"
        and moved is not None
        and os.path.normpath(stale.value) == os.path.normpath(moved)
    ):
        # VIRTUAL_ENV names the place the running environment was made at (pyvenv.cfg's
        # ``command``, ``bin/activate``): activated there, then moved, not removed
        ctx.fact(**facts, made_at=str(moved), virtual_env=stale.value)
        remade = _fixes.remake(ctx, root, prefix)
        return warn(
            f"the virtualenv {prefix} was made at {moved} and moved since; VIRTUAL_ENV still "
            "names that old place, activated before the move",
            why="a virtualenv records where it was made (pyvenv.cfg, activate, the #! line of "
            f"each script) and cannot be moved (PEP 405): `python -m pytest` works, but its "
            f"scripts (pip, pytest, black...) start {moved}/bin/python, which is not there, "
            "and this shell's VIRTUAL_ENV names the same gone place (Poetry takes it as the "
            "environment to use)",
            fix=_fixes.make(
                *remade.steps,
                Manual(
                    f"then, in this shell: deactivate (or unset VIRTUAL_ENV, which names {moved})"
                    f" and activate the new one: . {prefix}/bin/activate"
                ),
                note="makes the environment again where it is now; then install the "
                "project's packages into it again",
            ),
        )
    if stale is not None and stale.kind != "other":
        said = "does not exist" if stale.kind == "missing" else "is not a directory"
        raise CheckFailed(
            f"VIRTUAL_ENV names {stale.value}, which {said} (pytest runs in {prefix})",
            why="this shell still has a virtualenv activated that was removed: Poetry takes "
            "VIRTUAL_ENV as the environment to use, finds it broken and recreates the "
            "project's environment with whichever Python it finds first",
            fix=unset,
            facts=facts,
        )
    if stale is not None:
        ctx.fact(**facts, virtual_env=stale.value)
        return warn(
            f"VIRTUAL_ENV names {stale.value}, another environment than the one pytest runs in "
            f"({prefix})",
            why="poetry and pip commands run from this shell act on that environment, not on "
            "the one checked here",
            fix=unset,
        )
    if moved is not None:
        ctx.fact(**facts, made_at=str(moved))
        return warn(
            f"the virtualenv {prefix} was made at {moved}, which no longer exists: it was moved",
            why="a virtualenv records where it was made (pyvenv.cfg, activate, the #! line of "
            f"each script) and cannot be moved (PEP 405): `python -m pytest` works, but its "
            f"scripts (pip, pytest, black...) start {moved}/bin/python and fail",
            fix=_fixes.remake(ctx, root, prefix),
        )
    copied = _diagnose.copied_from(prefix)
    if copied is not None:
        ctx.fact(**facts, made_at=str(copied.made))
        shown = ", ".join(copied.scripts[:5]) + (", ..." if len(copied.scripts) > 5 else "")
        return warn(
            f"the virtualenv {prefix} is a copy of {copied.made}, which still exists: its "
            f"scripts ({shown}) start {copied.made}'s Python",
            why="a virtualenv records where it was made (pyvenv.cfg, activate, the #! line of "
            "each script) and cannot be copied (PEP 405): `python -m pytest` runs here, but "
            "each of those scripts, run directly or by `poetry run`, runs in the other "
            "environment, with its packages",
            fix=_fixes.remake(ctx, root, prefix),
        )
    foreign = _diagnose.foreign_scripts(prefix)
    if foreign is not None:
        return _foreign_scripts(ctx, foreign, facts)
    pinned = _pinned(ctx, root or ctx.rootdir, prefix, facts)
    if pinned is not None:
        return pinned
    hooks = _diagnose.failing_startup_hooks()
    if hooks:
        return _startup_hook_fails(ctx, hooks, facts)
    return ok(f"in a virtualenv ({manager}) at {prefix}", **facts)


def _own_venv_elsewhere(
    ctx: Context, root: Path | None, prefix: Path, stale: _diagnose.StaleVirtualEnv | None
) -> Outcome | None:
    """The project keeps its environment in its ``.venv`` (a virtualenv: its pyvenv.cfg), and
    pytest runs from another one: ``VIRTUAL_ENV`` names that ``.venv`` (the shell activated it,
    and another interpreter started pytest), or, in a project Poetry does not keep (its own
    check compares Poetry's environment), nothing does. An environment inside the project (a
    tox or nox one) is chosen on purpose."""
    if root is None:
        return None
    venv = root / ".venv"
    if not (venv / "pyvenv.cfg").is_file():
        return None
    try:
        if os.path.samefile(venv, prefix):
            return None
        named = stale is not None and os.path.samefile(stale.value, venv)
    except OSError:
        return None
    if prefix.is_relative_to(root.resolve()) or (not named and stale is not None):
        return None
    if not named and (ctx.section.poetry or _env_chosen_elsewhere(root)):
        return None
    python = venv / "bin" / "python"
    run = f"{_pythons.quoted(python)} -m pytest"
    text = f"poetry run pytest   (or {run})" if ctx.section.poetry else run
    ctx.fact(path=str(prefix), project_env=str(venv))
    why = (
        f"the project's environment is {venv} (a virtualenv, PEP 405: its pyvenv.cfg), where "
        "its packages are installed; this interpreter is "
        f"{sys.executable}, another environment's, so the packages checked here are that "
        "environment's, and a pip install of this run's fixes goes there"
    )
    if named:
        why += (
            f"; VIRTUAL_ENV names {venv}: the shell has the project's environment activated, "
            "but pytest was started by another interpreter (a pytest installed elsewhere, "
            "pipx's or the system's, first on PATH): VIRTUAL_ENV is right, the interpreter is not"
        )
    return warn(
        f"pytest runs in {prefix}, not in the project's environment {venv}"
        + (" (which VIRTUAL_ENV names)" if named else ""),
        why=why,
        fix=_fixes.make(Manual(f"run pytest with the project's Python: {text}"), text=text),
    )


def _env_chosen_elsewhere(root: Path) -> bool:
    """pytest runs in an environment a tool chose for it, not in the project's ``.venv``: a
    tox, nox or Hatch run (their variables), uv's ``UV_PROJECT_ENVIRONMENT`` naming another
    place, or Hatch environments none of which is ``.venv`` (Hatch keeps them elsewhere)."""
    if any(os.environ.get(v) for v in ("TOX_ENV_NAME", "NOX_CURRENT_SESSION", "HATCH_ENV_ACTIVE")):
        return True
    chosen = os.environ.get("UV_PROJECT_ENVIRONMENT")
    if chosen and Path(root, chosen).resolve() != (root / ".venv").resolve():
        return True
    hatch = _managers._tool(root).get("hatch")
    envs = hatch.get("envs") if isinstance(hatch, dict) else None
    return isinstance(envs, dict) and not any(
        isinstance(table, dict) and str(table.get("path", "")).rstrip("/") in (".venv", "./.venv")
        for table in envs.values()
    )


def _pinned(ctx: Context, base: Path, prefix: Path, facts: dict[str, FactValue]) -> Outcome | None:
    """The project's ``.python-version`` against pyenv (its shims on PATH) and, in a uv
    project, against this environment's Python (:mod:`pins`)."""
    pin = _pins.find(base)
    if pin is None:
        return None
    first = pin.requests[0]
    current = platform.python_version()
    facts = {**facts, "python_version_file": str(pin.path), "pinned": first}
    missing = _pins.pyenv_missing(pin)
    if missing is not None and first in missing[0]:
        ctx.fact(**facts)
        return warn(
            f"{pin.path} names Python {first}, which pyenv has not installed (it has "
            f"{', '.join(missing[1][-6:]) or 'none'})",
            why=f"pyenv's shims are on PATH: in {base} `python`, `pip` and every other shim stop "
            f'with "pyenv: version `{first}\' is not installed" (pyenv 2.4+ runs the next such '
            "command on PATH instead, another Python, where there is one); uv and Poetry looking "
            f"for a Python through them meet the same. This environment ({prefix}) runs Python "
            f"{current}",
            fix=_fixes.make(
                Command(["pyenv", "install", first], needs=frozenset({"network"})),
                note=f"or, if Python {current} is the project's: pyenv local {current}",
            ),
        )
    if _uvlock.uv_project(base) and _pins.satisfied(first) is False:
        minor = ".".join(current.split(".")[:2])
        ctx.fact(**facts)
        return warn(
            f"{pin.path} asks for Python {first}, but this environment ({prefix}) runs "
            f"Python {current}",
            why="uv takes .python-version as the project's Python: the next `uv sync` or `uv "
            f"run` replaces the environment with a Python {first} one; until then the tests "
            "run on another Python than the project's",
            fix=_fixes.make(
                Command(["uv", "sync"], cwd=str(base), needs=frozenset({"network"})),
                note=f"replaces {prefix} with a Python {first} environment (`uv python install "
                f"{first}` first where there is none); if Python {current} is meant: uv python "
                f"pin {minor}",
            ),
        )
    return None


def _foreign_scripts(
    ctx: Context, foreign: _diagnose.ForeignScripts, facts: dict[str, FactValue]
) -> Outcome:
    import site

    sites = [Path(d) for d in site.getsitepackages()]
    owners = sorted({o for s in foreign.scripts if (o := _integrity.owner_of(s, sites))})
    names = [s.name for s in foreign.scripts]
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    ctx.fact(**facts, foreign_interpreter=foreign.interpreter, foreign_scripts=names)
    steps: list[Step] = [
        Command(
            [sys.executable, "-m", "pip", "install", "--force-reinstall", "--no-deps", owner],
            needs=frozenset({"network"}),
        )
        for owner in owners
    ]
    if not steps:
        steps = [Manual(f"install what wrote {shown} again with {sys.executable} -m pip")]
    return warn(
        f"{shown} in {foreign.scripts[0].parent} start {foreign.interpreter}, not this "
        f"environment's Python" + (f" (installed by {', '.join(owners)})" if owners else ""),
        why="pip writes a script's #! line for the Python that runs it: another interpreter's "
        "pip installed into this environment (`pip install --prefix`, the pip of another "
        "environment), and that Python does not see this environment's packages",
        fix=_fixes.make(*steps, note="this environment's pip writes the scripts for its Python"),
    )


def _startup_hook_fails(
    ctx: Context, hooks: list[_diagnose.StartupHook], facts: dict[str, FactValue]
) -> Outcome:
    first = hooks[0]
    more = f" (+{len(hooks) - 1} more)" if len(hooks) > 1 else ""
    ctx.fact(**facts, startup_hooks=[str(h.path) for h in hooks])
    if first.pth and first.raised:
        import site

        sites = [Path(d) for d in site.getsitepackages()]
        owner = _integrity.owner_of(first.path, sites)
        by = f" (installed by {owner})" if owner else ""
        remedy = (
            f"give {owner} what its hook needs, or uninstall it: {sys.executable} -m pip "
            f"uninstall {owner}"
            if owner
            else f"correct or remove {first.path}"
        )
        return warn(
            f"{first.path}{by} fails at every start of this Python: {first.what}{more}",
            why="site.py runs each line of a .pth file that starts with `import` when Python "
            f"starts; this one's modules are installed, but running it raises {first.raised}: "
            "site.py prints the traceback at every start, skips the rest of that file, and "
            "whatever the hook sets up is missing from every run",
            fix=_fixes.make(
                Manual(f"`{sys.executable} -c pass` shows what it raises; {remedy}"),
            ),
        )
    if first.pth:
        return warn(
            f"{first.path} fails at every start of this Python: {first.what}{more}",
            why="site.py runs each line of a .pth file that starts with `import` when Python "
            "starts; one that fails prints an error and the rest of that file is skipped (a "
            "hook left by an uninstalled or moved editable install, or by a removed tool)",
            fix=_fixes.make(
                Command(["rm", "-f", str(first.path)]),
                note="reinstall the package that installed it if it is still needed",
            ),
        )
    return warn(
        f"{first.path} fails at every start of this Python: {first.what}{more}",
        why="site.py imports sitecustomize (and usercustomize) when Python starts and only "
        "prints what they raise; whatever it sets up (paths, variables, certificates, "
        "instrumentation) is missing from every run",
        fix=_fixes.make(
            Manual(
                f"correct or remove {first.path}; `python -c pass` in this environment shows "
                "what it raises"
            )
        ),
    )


def _cached(answer: _poetry.Answer) -> dict[str, FactValue]:
    return {"cached": answer.at} if answer.cached else {}


def poetry_installed(ctx: Context) -> Outcome:
    program = _poetry.find(ctx)
    root = _project.where(ctx).root
    # a cold run asks Poetry the project's questions too: one Poetry process answers all three
    also = _poetry.project_requests(program, root) if root is not None else []
    answer = _poetry.ask(ctx, program, _poetry.version_request(program), also)
    words = answer.stdout.strip().split()
    if answer.returncode != 0 or not words:
        raise CheckFailed(
            f"`poetry --version` exited with code {answer.returncode}: "
            f"{_diagnose.poetry_exception(answer.stderr or answer.stdout)}",
            why=f"{program} is installed but broken",
            fix=_fixes.reinstall_poetry(program),
        )
    version = words[-1].rstrip(")")
    if root is not None:
        lacking, places = _plugins.missing(program, root)
        if lacking:
            shown = ", ".join(
                f"{m.name} ({m.wanted}" + (f"; {m.found} found)" if m.found else ")")
                for m in lacking
            )
            ctx.fact(version=version, **_cached(answer))
            return warn(
                f"Poetry {version} lacks the plugins {root / 'pyproject.toml'} requires "
                f"([tool.poetry.requires-plugins]): {shown}",
                why="Poetry installs a project's required plugins into its plugin cache "
                f"({root / _plugins.CACHE}) only on `poetry install`; neither that cache nor "
                f"Poetry's environment ({', '.join(map(str, places[:-1]))}) has "
                + ("them" if len(lacking) > 1 else "it")
                + ", so every other Poetry command of this project runs without the plugin's "
                "commands and hooks",
                fix=_fixes.make(
                    _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root)),
                    note=f"installs the required plugins into {_plugins.CACHE} first",
                ),
            )
    return ok(f"Poetry {version}{answer.note()}", version=version, **_cached(answer))


def _pyproject(ctx: Context) -> Path:
    return _project.root(ctx)


def poetry_env(ctx: Context) -> Outcome:
    root = _pyproject(ctx)
    expected, answer = _poetry.env_path(ctx, root)
    here = _poetry.running_env()
    if expected is None:
        install = _fixes.poetry(root, ctx.rootdir, *_fixes.install_args(root))
        where = _creates_no_env(root)
        if where is not None:
            venv = root / ".venv"
            raise CheckFailed(
                "Poetry has no environment for this project, and will not make one",
                why=f"virtualenvs.create = false ({where}): Poetry installs into the active "
                "environment, and none is active (a plain `poetry install` would install into "
                "the Python Poetry finds first)",
                fix=_fixes.make(
                    Command([sys.executable, "-m", "venv", str(venv)]),
                    Manual(f"activate it: . {_pythons.quoted(venv)}/bin/activate"),
                    install,
                    text=f"python3 -m venv {_pythons.quoted(venv)} && . "
                    f"{_pythons.quoted(venv)}/bin/activate && {shlex.join(install.argv)} && "
                    "pytest",
                ),
            )
        venv = root / ".venv"
        unused = _not_in_project(root)
        if unused is not None and (venv / "pyvenv.cfg").is_file():
            config = _fixes.poetry(
                root, ctx.rootdir, "config", "--local", "virtualenvs.in-project", "true"
            )
            raise CheckFailed(
                f"Poetry has no environment for this project: it does not use {venv}, "
                f"virtualenvs.in-project = false ({unused})",
                why="with in-project = false Poetry keeps the project's environment in its "
                f"virtualenvs.path and never looks at the project's .venv (left from before the "
                f"setting, or made by hand); pytest runs from {here}",
                fix=(
                    _fixes.make(
                        config,
                        note=f"Poetry then uses {venv}; or keep the setting: remove {venv}, "
                        "poetry install, poetry run pytest",
                    )
                    if unused.endswith("poetry.toml")
                    else _fixes.make(
                        Manual("unset POETRY_VIRTUALENVS_IN_PROJECT (or set it to true)"),
                        text="unset POETRY_VIRTUALENVS_IN_PROJECT   (Poetry then uses .venv)",
                    )
                ),
            )
        if venv.is_symlink() and not venv.exists():
            raise CheckFailed(
                f"{venv} is a symbolic link to {os.readlink(venv)}, which does not exist",
                why="Poetry uses the project's .venv only where it leads to an environment: it "
                f"finds none for {root}; pytest runs from {here}",
                fix=_fixes.make(Command(["rm", str(venv)]), install, then="poetry run pytest"),
            )
        raise CheckFailed(
            "Poetry has no environment for this project yet",
            why=f"`poetry env info --path` finds none for {root} (a fresh clone, or "
            f"the environment was removed); pytest runs from {here}",
            fix=_fixes.make(
                install,
                then="poetry run pytest",
                text=f"cd {shlex.quote(str(root))} && {shlex.join(install.argv)} && "
                "poetry run pytest",
            ),
        )
    facts = {"poetry_env": str(expected), **_cached(answer)}
    broken = _diagnose.broken_base(expected)
    if broken is not None:
        raise _fixes.broken_env(ctx, root, broken, facts)
    outside = _outside_range(ctx, root, expected)
    if outside is not None:
        raise CheckFailed(
            f"the project's Poetry environment {expected} runs Python {outside[0]}, outside the "
            f"project's range {outside[1]}",
            why=f"{outside[2]} does not allow the environment's Python (the range changed after "
            "the environment was made, or it was made with another Python): Poetry refuses to "
            "install into it (`poetry install` and `poetry sync` fail: the current Python "
            "version is not allowed by the project)",
            fix=_fixes.rebuild(ctx, root, outside[3], outside[4], relock=True),
            facts=facts,
        )
    if expected != here:
        ctx.fact(**facts)
        return warn(
            f"running in {here}, but the project's Poetry environment is {expected}"
            + answer.note(),
            fix=_fixes.make(
                Manual("run pytest in that environment: poetry run pytest"),
                text="poetry run pytest   (or activate that environment)",
            ),
        )
    return ok(f"running in the project's Poetry environment {here}{answer.note()}", **facts)


def _outside_range(
    ctx: Context, root: Path, env: Path
) -> tuple[str, str, str, Path | None, str] | None:
    """The environment's Python (pyvenv.cfg) is outside the project's own range: its version,
    the range, where the range is written, a Python in range on this machine and its minor."""
    project = _project.read_project(root)
    version = _diagnose.env_version(env)
    if not project.python or not version:
        return None
    spec = SpecifierSet(project.python)
    if Version(version) in spec:
        return None
    found = _pythons.find(spec, timeout=min(2.0, ctx.remaining()))
    minors = _pythons.minors(spec)
    return (
        version,
        project.python,
        project.python_from or "the project's Python range",
        found[0] if found else None,
        minors[0] if minors else "3",
    )


def _not_in_project(root: Path) -> str | None:
    """Where ``virtualenvs.in-project = false`` is set for this project
    (``POETRY_VIRTUALENVS_IN_PROJECT``, which wins, or the project's ``poetry.toml``)."""
    value = os.environ.get("POETRY_VIRTUALENVS_IN_PROJECT", "").lower()
    if value:
        return "POETRY_VIRTUALENVS_IN_PROJECT" if value in ("false", "0") else None
    try:
        local = tomllib.loads((root / "poetry.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    if (local.get("virtualenvs") or {}).get("in-project") is False:
        return str(root / "poetry.toml")
    return None


def _creates_no_env(root: Path) -> str | None:
    """Where ``virtualenvs.create = false`` is set for this project (``POETRY_VIRTUALENVS_CREATE``
    or the project's ``poetry.toml``; Poetry's user config.toml is not read)."""
    if os.environ.get("POETRY_VIRTUALENVS_CREATE", "").lower() in ("false", "0"):
        return "POETRY_VIRTUALENVS_CREATE"
    try:
        local = tomllib.loads((root / "poetry.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    if (local.get("virtualenvs") or {}).get("create") is False:
        return str(root / "poetry.toml")
    return None


def _lock_metadata(ctx: Context, lock: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(lock.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        conflict = _project.lock_conflict(lock, lock.read_bytes()) if lock.is_file() else None
        if conflict is not None:
            raise conflict from None
        raise CheckFailed(
            f"{lock} is not valid TOML ({exc})",
            why="Poetry cannot read the lock file: `poetry install` fails",
            fix=_fixes.make(
                _fixes.poetry(lock.parent, ctx.rootdir, "lock", "--regenerate"),
                note="writes it anew: Poetry cannot read this one",
            ),
        ) from None
    metadata = data.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _newer_lock(program: str, version: str) -> str | None:
    """The lock format the Poetry at ``program`` writes, when ``version`` is newer than it."""
    own = _poetry.lock_format(program)
    try:
        newer = own is not None and Version(version) > Version(own)
    except InvalidVersion:
        return None
    return own if newer else None


def lock_file(ctx: Context) -> Outcome:
    root = _pyproject(ctx)
    lock = root / "poetry.lock"
    relock = _fixes.poetry(root, ctx.rootdir, "lock")
    if not lock.is_file():
        raise CheckFailed(
            f"no poetry.lock in {root}",
            why="without a lock file every machine may resolve different versions",
            fix=_fixes.make(relock, note="and commit poetry.lock"),
        )
    metadata = _lock_metadata(ctx, lock)
    if not metadata:
        raise CheckFailed(
            f"{lock} has no [metadata] table",
            why='Poetry refuses a lock file without one ("The lock file does not have a '
            'metadata entry"): `poetry install` fails',
            fix=_fixes.make(
                _fixes.poetry(root, ctx.rootdir, "lock", "--regenerate"),
                note="writes it anew: Poetry cannot read this one",
            ),
        )
    version = str(metadata.get("lock-version", ""))
    major = version.split(".")[0]
    if not major.isdigit() or int(major) < 1:
        raise CheckFailed(
            f"{lock} has lock-version {version or '(none)'}, which no Poetry reads",
            why="Poetry reads the lock file's format from [metadata] lock-version; without one "
            "(or with one that is no version) it refuses the file: `poetry install` fails (the "
            "lock file is not compatible with the current version of Poetry)",
            fix=_fixes.make(
                _fixes.poetry(root, ctx.rootdir, "lock", "--regenerate"),
                note="writes it anew: Poetry cannot read this one",
            ),
        )
    if int(major) >= 3:
        raise CheckFailed(
            f"{lock} has lock-version {version or '(none)'}, which Poetry 2 cannot read",
            why="Poetry 2 reads lock-version 1.x and 2.x; a newer format was written by a newer "
            "Poetry (or the field is missing): `poetry install` fails",
            fix=_fixes.make(
                _fixes.poetry(root, ctx.rootdir, "self", "update"),
                note="the Poetry that wrote it; or `poetry lock` to rewrite it in this one's "
                "format",
            ),
        )
    program = _poetry.find(ctx)
    answer = _poetry.ask(ctx, program, _poetry.lock_request(program, root))
    if answer.returncode == 0:
        newer = _newer_lock(program, version)
        if newer is not None:
            facts: dict[str, Any] = {"lock": str(lock), "lock_version": version, **_cached(answer)}
            return warn(
                f"{lock} has lock-version {version}, newer than the format {newer} this Poetry "
                f"writes{answer.note()}",
                why=f"Poetry reads lock-version 1.x and 2.x, but one newer than its own ({newer}) "
                "was written by a newer Poetry and may hold what this one does not read: "
                "`poetry install` warns that the lock file might not be compatible",
                fix=_fixes.make(
                    _fixes.poetry(root, ctx.rootdir, "self", "update"),
                    note="the Poetry that wrote it; or `poetry lock` to rewrite it in this "
                    f"one's format ({newer})",
                ),
                **facts,
            )
        return ok(
            f"poetry.lock matches pyproject.toml{answer.note()}", lock=str(lock), **_cached(answer)
        )
    errors, warnings = _diagnose.poetry_errors(answer.stderr + "\n" + answer.stdout)
    said = (
        "; ".join(errors) if errors else _diagnose.poetry_exception(answer.stderr or answer.stdout)
    )
    more = f" ({len(warnings)} warnings not shown: `poetry check`)" if warnings else ""
    why = f"`poetry check --lock` exited with code {answer.returncode}: {said}{more}"
    local = _local_config_error(root)
    if local is not None:
        raise CheckFailed(
            f"{root / 'poetry.toml'} is not valid TOML ({local})" + answer.note(),
            why="Poetry reads the project's poetry.toml (its local configuration, what `poetry "
            "config --local` writes) before every command, and stops on it: " + why,
            fix=_fixes.make(
                Manual(
                    f"correct the TOML of {root / 'poetry.toml'} (true and false are lower case, "
                    "strings quoted), or delete it and set again what it held with `poetry "
                    "config --local`"
                )
            ),
            facts=_cached(answer),
        )
    # what envcheck reads as Poetry cannot use (the lock can only be made once they are right)
    try:
        wrong = _project.field_errors(_project.document(root), root)
    except ValueError:
        wrong = []
    stale = [e for e in errors if _diagnose.STALE_LOCK in e]
    if stale and len(stale) == len(errors) and not wrong:
        sync = _fixes.poetry(root, ctx.rootdir, "sync", *_with(ctx, root))
        raise CheckFailed(
            "poetry.lock is not in step with pyproject.toml" + answer.note(),
            why=why,
            fix=_fixes.make(relock, sync),
            facts=_cached(answer),
        )
    fix = (
        _fixes.make(
            Manual(f"correct in {root / 'pyproject.toml'}: " + "; ".join(wrong)),
            note="then `poetry lock`: Poetry cannot lock the project before",
        )
        if wrong
        else _fixes.make(
            Manual("correct what Poetry names in pyproject.toml (`poetry check` lists it)"),
            text="correct what Poetry names in pyproject.toml (`poetry check` lists it)",
        )
    )
    raise CheckFailed(
        f"`poetry check --lock` reports errors in {root / 'pyproject.toml'}"
        + (": " + "; ".join(wrong) if wrong else "")
        + answer.note(),
        why=why,
        fix=fix,
        facts=_cached(answer),
    )


def _local_config_error(root: Path) -> str | None:
    """What TOML says of the project's ``poetry.toml`` when it does not parse, else ``None``."""
    try:
        tomllib.loads((root / "poetry.toml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        return str(exc)
    return None


def _with(ctx: Context, root: Path) -> tuple[str, ...]:
    groups = with_groups(ctx, _installed.installed(), root)
    return ("--with", groups) if groups else ()
