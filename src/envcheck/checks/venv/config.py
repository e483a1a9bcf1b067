"""``[tool.envcheck.venv]``: what the venv component checks."""

from __future__ import annotations

import pydantic
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

COMPONENT = "venv"
DEFAULT_DEV_TOOLS = ["pytest", "black", "isort", "mypy", "flake8"]


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
