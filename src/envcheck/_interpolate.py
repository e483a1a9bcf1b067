"""``${VAR}`` and ``${VAR:-default}`` references to the environment in config values."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from envcheck import redact

_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
_ANY_REFERENCE = re.compile(r"\$\{[^}]*\}?")


class MissingVariable(LookupError):
    """A ``${VAR}`` without a default names a variable that is not set."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def syntax_error(value: str) -> str | None:
    """Describe a malformed reference in ``value``, or return ``None`` when all are well formed."""
    for match in _ANY_REFERENCE.finditer(value):
        if not _REFERENCE.fullmatch(match.group(0)):
            return (
                f"malformed environment reference {match.group(0)!r}: "
                "write ${NAME} or ${NAME:-default}"
            )
    return None


def references(value: str) -> list[str]:
    """The names of the environment variables that ``value`` refers to."""
    return [m.group("name") for m in _REFERENCE.finditer(value)]


def resolve(value: str, environ: Mapping[str, str] | None = None, *, secret: bool = False) -> str:
    """Replace every reference in ``value``.

    With ``secret``, every value read from the environment, the whole result when it used one, and
    a literal value without references are registered as secrets (masked in all output); defaults
    written in the configuration are not secret.
    """
    env = os.environ if environ is None else environ
    from_environment: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        found = env.get(name)
        if found is None or (found == "" and default is not None):
            if default is None:
                raise MissingVariable(name)
            return default
        from_environment.append(found)
        return found

    resolved = _REFERENCE.sub(substitute, value)
    if secret:
        for found in from_environment:
            redact.register(found)
        if from_environment or not references(value):
            redact.register(resolved)
    return resolved
