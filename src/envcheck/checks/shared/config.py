"""The keys every built-in component's configuration shares, validated in one place."""

from __future__ import annotations

from typing import ClassVar

import pydantic


class ComponentConfig(pydantic.BaseModel):
    """``min_version``, ``timeout``, ``required`` and ``source``: the keys of every server a
    component checks (PostgreSQL and Redis instances, Ollama)."""

    model_config = pydantic.ConfigDict(extra="forbid")
    #: shown in the message of a malformed ``min_version``
    version_example: ClassVar[str] = "'15' or '15.4'"

    min_version: str | None = None
    timeout: float = pydantic.Field(default=3.0, gt=0)
    #: ``false``: nothing listening at the address is *not found* (skipped), not a failure. The
    #: defaults (no ``[tool.envcheck]``) set it for addresses nobody chose, e.g. localhost:6379.
    required: bool = True
    #: where the settings came from, recorded as the fact ``settings_from`` (``DATABASE_URL``,
    #: ``libpq default``, ...); unset: the configuration file
    source: str | None = None

    @pydantic.field_validator("min_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None:
            from packaging.version import InvalidVersion, Version

            try:
                Version(value)
            except InvalidVersion:
                raise ValueError(f"{value!r} is not a version like {cls.version_example}") from None
        return value


def older(have: str, wanted: str) -> bool:
    """Whether version ``have`` (``7.0.15``, ``15.4``, ``16beta1``, ``0.5.7``) is older than
    ``wanted``. A version that cannot be read is never called older (the check reports what it
    saw)."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(have) < Version(wanted)
    except InvalidVersion:
        return False
