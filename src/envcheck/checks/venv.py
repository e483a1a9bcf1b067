"""The ``venv`` component: Python, the virtualenv, Poetry, the lock file and the packages."""

from __future__ import annotations

import functools
import os
import platform
import sys
import threading
import tomllib
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pydantic
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck import hookimpl
from envcheck._context import Context
from envcheck._model import Check, CheckFailed, CheckSkipped, Outcome, ok, warn
from envcheck.checks._common import CheckMaker, run_command
from envcheck.config import EnvcheckConfig

COMPONENT = "venv"
DEFAULT_DEV_TOOLS = ["pytest", "black", "isort", "mypy", "flake8"]
POETRY_INSTALL_HINT = "pipx install poetry   (or: python3 -m pip install --user poetry)"


class VenvConfig(pydantic.BaseModel):
    """``[tool.envcheck.venv]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    python: str | None = None
    require_venv: bool = True
    poetry: bool = True
    packages: list[str] = []
    dev_packages: list[str] = []
    consistency: bool = True
    timeout: float = pydantic.Field(default=30.0, gt=0)

    @pydantic.field_validator("python")
    @classmethod
    def _specifier(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                SpecifierSet(value)
            except InvalidSpecifier:
                raise ValueError(f"{value!r} is not a version specifier like '>=3.11,<3.12'")
        return value

    @pydantic.field_validator("packages", "dev_packages")
    @classmethod
    def _requirements(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                Requirement(value)
            except InvalidRequirement:
                raise ValueError(f"{value!r} is not a requirement like 'django>=5'")
        return values


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

    make = CheckMaker(COMPONENT, section, timeout=10.0)

    if section.python:
        yield make("python-version", python_version, "Python satisfies the required version")
    if section.require_venv:
        yield make("virtualenv", virtualenv, "tests run inside a virtualenv")
    if section.poetry:
        yield make("poetry", poetry_installed, "Poetry is installed", timeout=section.timeout)
        yield make(
            "poetry-env",
            poetry_env,
            "this interpreter is the project's Poetry environment",
            "poetry",
            timeout=section.timeout,
        )
        yield make(
            "lock-file",
            lock_file,
            "poetry.lock exists and matches pyproject.toml",
            "poetry",
            timeout=section.timeout,
        )
        yield make("lock-drift", lock_drift, "installed versions match poetry.lock")
    for requirement in section.packages:
        yield make(
            f"package[{Requirement(requirement).name}]",
            functools.partial(package, requirement, False),
            f"{requirement} is installed",
        )
    for requirement in section.dev_packages:
        yield make(
            f"dev-package[{Requirement(requirement).name}]",
            functools.partial(package, requirement, True),
            f"dev tool {requirement} is installed",
        )
    if section.consistency:
        yield make("consistency", consistency, "installed packages' requirements are met")


def python_version(ctx: Context) -> Outcome:
    spec: str = ctx.section.python
    wanted = SpecifierSet(spec)
    current = platform.python_version()
    facts = {"version": current, "executable": sys.executable}
    if Version(current) not in wanted:
        raise CheckFailed(
            f"Python {current} does not satisfy {spec}",
            why=f"this interpreter is {sys.executable}",
            hint=f"poetry env use python{_suggest_python(wanted)}  (install it first, "
            f"e.g. pyenv install {_suggest_python(wanted)})",
            facts=facts,
        )
    return ok(f"Python {current} satisfies {spec}", **facts)


def _suggest_python(wanted: SpecifierSet) -> str:
    """The Python release nearest to this one that satisfies ``wanted``."""
    for minor in sorted(range(8, 21), key=lambda m: abs(m - sys.version_info.minor)):
        if Version(f"3.{minor}.0") in wanted or Version(f"3.{minor}.99") in wanted:
            return f"3.{minor}"
    return "3"


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
        raise CheckFailed(
            f"not running inside a virtualenv (Python's prefix is {sys.prefix})",
            why="packages then come from the system interpreter, not from the project",
            hint="poetry install && poetry run pytest",
        )
    prefix = Path(sys.prefix)
    manager = _venv_manager(prefix, ctx.rootdir)
    return ok(f"in a virtualenv ({manager}) at {prefix}", path=str(prefix), manager=manager)


def poetry_installed(ctx: Context) -> Outcome:
    out = run_command(
        ["poetry", "--version"],
        timeout=ctx.remaining(),
        what="the project is managed with Poetry and",
        hint=POETRY_INSTALL_HINT,
    )
    version = out.strip().split()[-1].rstrip(")")
    return ok(f"Poetry {version}", version=version)


def _pyproject(ctx: Context) -> Path:
    path = ctx.rootdir / "pyproject.toml"
    if not path.is_file():
        raise CheckSkipped(f"no pyproject.toml in {ctx.rootdir}")
    return path


def poetry_env(ctx: Context) -> Outcome:
    _pyproject(ctx)
    out = run_command(
        ["poetry", "-C", str(ctx.rootdir), "env", "info", "--path"],
        timeout=ctx.remaining(),
        what="finding the project's Poetry environment",
        hint="poetry install",
    )
    expected = Path(out.strip().splitlines()[-1]).resolve() if out.strip() else None
    here = Path(sys.prefix).resolve()
    if expected is None:
        raise CheckFailed(
            "Poetry has no environment for this project yet",
            hint=f"cd {ctx.rootdir} && poetry install",
        )
    if expected != here:
        return warn(
            f"running in {here}, but the project's Poetry environment is {expected}",
            hint="poetry run pytest   (or activate that environment)",
            poetry_env=str(expected),
        )
    return ok(f"running in the project's Poetry environment {here}", poetry_env=str(here))


def lock_file(ctx: Context) -> Outcome:
    _pyproject(ctx)
    lock = ctx.rootdir / "poetry.lock"
    if not lock.is_file():
        raise CheckFailed(
            f"no poetry.lock in {ctx.rootdir}",
            why="without a lock file every machine may resolve different versions",
            hint="poetry lock   (and commit poetry.lock)",
        )
    try:
        run_command(
            ["poetry", "-C", str(ctx.rootdir), "check", "--lock"],
            timeout=ctx.remaining(),
            what="checking poetry.lock",
            hint="poetry lock   (pyproject.toml changed since poetry.lock was written)",
        )
    except CheckFailed as exc:
        raise CheckFailed(
            "poetry.lock is not in step with pyproject.toml",
            why=exc.summary,
            hint="poetry lock   (then: poetry install --sync)",
        ) from None
    return ok("poetry.lock matches pyproject.toml", lock=str(lock))


_installed_lock = threading.Lock()


def _installed() -> dict[str, str]:
    """Installed distributions by canonical name (the first on ``sys.path`` wins)."""
    with _installed_lock:
        return _scan_installed()


@functools.lru_cache(maxsize=1)
def _scan_installed() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonicalize_name(name) not in found:
            found[canonicalize_name(name)] = dist.version
    return found


def _locked(lock: Path) -> dict[str, str]:
    try:
        document = tomllib.loads(lock.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CheckFailed(
            f"{lock} is not valid TOML ({exc})",
            hint="poetry lock   (regenerates the lock file)",
        ) from None
    return {
        canonicalize_name(p["name"]): str(p["version"])
        for p in document.get("package", [])
        if isinstance(p, dict) and "name" in p and "version" in p
    }


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def lock_drift(ctx: Context) -> Outcome:
    lock = ctx.rootdir / "poetry.lock"
    if not lock.is_file():
        raise CheckSkipped(f"no poetry.lock in {ctx.rootdir} to compare with")
    locked, installed = _locked(lock), _installed()
    drift = [
        f"{name} {installed[name]} installed, lock says {version}"
        for name, version in sorted(locked.items())
        if name in installed and not _same_version(installed[name], version)
    ]
    facts = {"locked": len(locked), "installed_and_locked": len(set(locked) & set(installed))}
    if drift:
        more = f" (+{len(drift) - 1} more)" if len(drift) > 1 else ""
        raise CheckFailed(
            f"{drift[0]}{more}",
            why="the environment was changed after `poetry install` (pip install, an old env)",
            hint="poetry install --sync",
            facts={**facts, "drift": drift},
        )
    return ok(f"{facts['installed_and_locked']} installed packages match poetry.lock", **facts)


def package(requirement: str, dev: bool, ctx: Context) -> Outcome:
    req = Requirement(requirement)
    name = canonicalize_name(req.name)
    add = f'poetry add {"--group dev " if dev else ""}"{requirement}"'
    if not ctx.section.poetry:
        add = f'pip install "{requirement}"'
    version = _installed().get(name)
    if version is None:
        raise CheckFailed(
            f"{req.name} is not installed",
            why=f"the project requires {requirement}",
            hint=add,
        )
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        raise CheckFailed(
            f"{req.name} {version} is installed, but {requirement} is required",
            hint=add,
            facts={"version": version},
        )
    return ok(f"{req.name} {version}", version=version)


def _broken_requirements() -> Iterator[str]:
    installed = _installed()
    seen: set[str] = set()
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or canonicalize_name(name) in seen:
            continue
        seen.add(canonicalize_name(name))
        for line in dist.requires or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            have = installed.get(canonicalize_name(req.name))
            if have is None:
                yield f"{name} {dist.version} requires {req}, which is not installed"
            elif req.specifier and not req.specifier.contains(have, prereleases=True):
                yield f"{name} {dist.version} requires {req}, but {req.name} {have} is installed"


def consistency(ctx: Context) -> Outcome:
    broken = sorted(_broken_requirements())
    total = len(_installed())
    if broken:
        more = f" (+{len(broken) - 1} more)" if len(broken) > 1 else ""
        raise CheckFailed(
            f"{broken[0]}{more}",
            why="the installed set is inconsistent (what `pip check` reports)",
            hint="poetry install --sync   (or install the versions named above)",
            facts={"packages": total, "broken": broken},
        )
    return ok(f"{total} installed packages, all requirements met", packages=total)
