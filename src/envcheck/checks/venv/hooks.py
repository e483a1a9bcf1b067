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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from envcheck import hookimpl
from envcheck.checks.venv import installed as _installed
from envcheck.checks.venv import poetry as _poetry
from envcheck.checks.venv import project as _project
from envcheck.checks.venv import pythons as _pythons
from envcheck.checks.venv.config import COMPONENT, DEFAULT_DEV_TOOLS, VenvConfig
from envcheck.checks.venv.packages import consistency, lock_drift, package, with_groups
from envcheck.core.config import EnvcheckConfig
from envcheck.core.model import (
    Check,
    CheckFailed,
    CheckSkipped,
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
def envcheck_default_config(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        COMPONENT: {
            "python": ">=3.11,<3.12",
            "require_venv": True,
            "poetry": True,
            "dev_packages": DEFAULT_DEV_TOOLS,
        }
    }


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

    if section.python:
        yield make.check("python-version", python_version, "Python satisfies the required version")
    if section.require_venv:
        yield make.check("virtualenv", virtualenv, "tests run inside a virtualenv")
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
    if section.consistency:
        yield make.check(
            "consistency",
            consistency,
            "installed packages' requirements are met",
            *in_venv,
            timeout=section.timeout,
        )


def python_version(ctx: Context) -> Outcome:
    spec: str = ctx.section.python
    wanted = SpecifierSet(spec)
    current = platform.python_version()
    facts: dict[str, FactValue] = {"version": current, "executable": sys.executable}
    if Version(current) in wanted:
        return ok(f"Python {current} satisfies {spec}", **facts)
    project = _project.read_project(ctx.rootdir)
    both = wanted & SpecifierSet(project.python) if project.python else wanted
    why = f"this interpreter is {sys.executable}"
    if project.python:
        why += (
            f"; the project itself requires Python {project.python} ({project.python_from}), "
            "and Poetry refuses an interpreter outside that range"
        )
    releases = _pythons.minors(both)
    if not releases:
        raise CheckFailed(
            f"Python {current} does not satisfy {spec}, and no Python satisfies both it and "
            f"{project.python_from} = {project.python!r}",
            why="[tool.envcheck.venv] python and the project's own range do not overlap",
            hint=f"make the two ranges agree in {ctx.rootdir / 'pyproject.toml'}",
            facts=facts,
        )
    found = _pythons.find(both, timeout=min(2.0, ctx.remaining()))
    if found is not None:
        first, use = "", _pythons.quoted(found[0])
        why += f"; {found[0]} (Python {found[1]}) satisfies it"
    else:
        first, use = _pythons.install_hint(releases[0]) + " && ", _pythons.where_installed(
            releases[0]
        )
        why += f"; no Python {' or '.join(releases[:3])} was found on this machine"
    if ctx.section.poetry:
        hint = f"{first}poetry env use {use} && poetry install && poetry run pytest"
    else:
        venv = _pythons.quoted(ctx.rootdir / ".venv")
        hint = (
            f"{first}{use} -m venv {venv}   (then install the project's packages into it and "
            f"run {venv}/bin/python -m pytest)"
        )
    raise CheckFailed(f"Python {current} does not satisfy {spec}", why=why, hint=hint, facts=facts)


def _venv_manager(prefix: Path, rootdir: Path) -> str:
    if os.environ.get("POETRY_ACTIVE") or "pypoetry" in prefix.parts:
        return "poetry"
    cfg = prefix / "pyvenv.cfg"
    text = cfg.read_text(encoding="utf-8", errors="replace") if cfg.is_file() else ""
    if "uv =" in text:
        return "uv"
    if prefix == rootdir / ".venv" and (rootdir / "poetry.lock").is_file():
        return "poetry"
    if "virtualenv =" in text:
        return "virtualenv"
    return "venv"


def virtualenv(ctx: Context) -> Outcome:
    if sys.prefix == sys.base_prefix:
        venv = _pythons.quoted(ctx.rootdir / ".venv")
        raise CheckFailed(
            f"not running inside a virtualenv (Python's prefix is {sys.prefix})",
            why="packages then come from the system interpreter, not from the project",
            hint=(
                "poetry install && poetry run pytest"
                if ctx.section.poetry
                else f"{_pythons.quoted(Path(sys.executable))} -m venv {venv}   (install the "
                f"project's packages into it, then run {venv}/bin/python -m pytest)"
            ),
        )
    prefix = Path(sys.prefix)
    manager = _venv_manager(prefix, ctx.rootdir)
    return ok(f"in a virtualenv ({manager}) at {prefix}", path=str(prefix), manager=manager)


def _cached(answer: _poetry.Answer) -> dict[str, FactValue]:
    return {"cached": answer.at} if answer.cached else {}


def poetry_installed(ctx: Context) -> Outcome:
    program = _poetry.find()
    # a cold run asks Poetry the project's questions too: one Poetry process answers all three
    also = _poetry.project_requests(program, ctx.rootdir)
    answer = _poetry.ask(ctx, program, _poetry.version_request(program), also)
    words = answer.stdout.strip().split()
    if answer.returncode != 0 or not words:
        raise CheckFailed(
            f"`poetry --version` exited with code {answer.returncode}: {answer.tail}",
            why=f"{program} is installed but broken",
            hint=_poetry.reinstall_command(program),
        )
    version = words[-1].rstrip(")")
    return ok(f"Poetry {version}{answer.note()}", version=version, **_cached(answer))


def _pyproject(ctx: Context) -> Path:
    path = ctx.rootdir / "pyproject.toml"
    if not path.is_file():
        raise CheckSkipped(f"no pyproject.toml in {ctx.rootdir}")
    return path


def poetry_env(ctx: Context) -> Outcome:
    _pyproject(ctx)
    expected, answer = _poetry.env_path(ctx)
    here = _poetry.running_env()
    root = shlex.quote(str(ctx.rootdir))
    if expected is None:
        raise CheckFailed(
            "Poetry has no environment for this project yet",
            why=f"`poetry env info --path` finds none for {ctx.rootdir} (a fresh clone, or "
            f"the environment was removed); pytest runs from {here}",
            hint=f"cd {root} && poetry install && poetry run pytest",
        )
    facts = {"poetry_env": str(expected), **_cached(answer)}
    if expected != here:
        ctx.fact(**facts)
        return warn(
            f"running in {here}, but the project's Poetry environment is {expected}"
            + answer.note(),
            hint="poetry run pytest   (or activate that environment)",
        )
    return ok(f"running in the project's Poetry environment {here}{answer.note()}", **facts)


def lock_file(ctx: Context) -> Outcome:
    _pyproject(ctx)
    lock = ctx.rootdir / "poetry.lock"
    if not lock.is_file():
        raise CheckFailed(
            f"no poetry.lock in {ctx.rootdir}",
            why="without a lock file every machine may resolve different versions",
            hint="poetry lock   (and commit poetry.lock)",
        )
    program = _poetry.find()
    answer = _poetry.ask(ctx, program, _poetry.lock_request(program, ctx.rootdir))
    if answer.returncode != 0:
        raise CheckFailed(
            "poetry.lock is not in step with pyproject.toml" + answer.note(),
            why=f"`poetry check --lock` exited with code {answer.returncode}: {answer.tail}",
            hint="poetry lock && poetry sync" + with_groups(ctx, _installed.installed()),
            facts=_cached(answer),
        )
    return ok(
        f"poetry.lock matches pyproject.toml{answer.note()}", lock=str(lock), **_cached(answer)
    )
