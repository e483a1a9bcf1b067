"""``${VAR}`` and ``${VAR:-default}`` references to the environment in config values."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from envcheck.core import redact

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
        default = match.group(0).partition(":-")[2]
        if "${" in default:
            whole = match.group(0) + value[match.end() :].partition("}")[0] + "}"
            return (
                f"nested environment reference {whole!r}: a default cannot hold another "
                "reference; write ${NAME:-literal default}, or set the variable"
            )
        if not _REFERENCE.fullmatch(match.group(0)):
            return (
                f"malformed environment reference {match.group(0)!r}: "
                "write ${NAME} or ${NAME:-default}"
            )
    return None


def empty_references(value: str, environ: Mapping[str, str]) -> list[str]:
    """The names of the variables ``value`` refers to without a default that are set, but to
    the empty string: the reference resolves, to nothing (a default would be used instead)."""
    return [
        m.group("name")
        for m in _REFERENCE.finditer(value)
        if m.group("default") is None and environ.get(m.group("name")) == ""
    ]


def references(value: str) -> list[str]:
    """The names of the environment variables that ``value`` refers to."""
    return [m.group("name") for m in _REFERENCE.finditer(value)]


def resolve(value: str, environ: Mapping[str, str] | None = None, *, secret: bool = False) -> str:
    """Replace every reference in ``value``.

    With ``secret``, the whole result when it used the environment, and a literal value without
    references, are registered as secrets (masked in all output); defaults written in the
    configuration are not secret. Whatever ``secret`` says, a variable whose name says it holds a
    secret (``*_TOKEN``, ``*_KEY``, ``*_PASSWORD``...), a URL's password and the credential of a
    ``Bearer X`` value are registered too; other variables (``${HOME}``) are not.
    """
    env = os.environ if environ is None else environ
    from_environment: list[tuple[str, str]] = []

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        found = env.get(name)
        if found is None or (found == "" and default is not None):
            if default is None:
                raise MissingVariable(name)
            return default
        from_environment.append((name, found))
        return found

    resolved = _REFERENCE.sub(substitute, value)
    for name, found in from_environment:
        if redact.is_secret_name(name):  # ${GITHUB_TOKEN} is a secret wherever it is used
            redact.register(found)
    redact.register_parts(resolved)  # a URL's password, the credential of "Bearer X"
    if secret and (from_environment or not references(value)):
        # the value itself, not everything it was made of: ${HOME} in it is not a secret
        redact.register(resolved)
    return resolved
