"""``[tool.envcheck.venv]``: what the venv component checks, and where each setting came from.

Without any ``[tool.envcheck]`` the section is derived from the project by
:func:`envcheck.initkit.venv.derive_venv`, the same derivation ``envcheck init`` writes.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pydantic
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from envcheck.checks.venv.project import locate
from envcheck.core.model import Context
from envcheck.initkit.venv import VenvDerivation, derive_venv

COMPONENT = "venv"


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


def default_config(rootdir: Path) -> dict[str, Any]:
    """The zero-config section: derived from the project the venv checks judge (pytest's rootdir,
    or the project of the running virtualenv)."""
    return {COMPONENT: derivation(rootdir).section}


def derivation(rootdir: Path) -> VenvDerivation:
    return derive_venv(locate(rootdir, Path(sys.prefix).resolve()).root)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def origin(ctx: Context, key: str) -> str:
    """Where the section's ``key`` came from, for a ``why``: derived from the project (no
    ``[tool.envcheck]``), written in the configuration file, or the section's default."""
    section = ctx.section
    value = _shown(getattr(section, key))
    if ctx.config.from_environment:
        return derivation(ctx.rootdir).why(key)
    fields_set: Mapping[str, Any] | set[str] = getattr(section, "model_fields_set", set())
    if key in fields_set:
        return f"[tool.envcheck.venv] {key} = {value} in {ctx.config.source}"
    return (
        f"{key} = {value} is the default of [tool.envcheck.venv] ({ctx.config.source} does not "
        "set it)"
    )
