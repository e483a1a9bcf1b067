"""A lock file's pins against the installed distributions: the comparison every ``lock-drift``
check makes (uv.lock, pylock.toml, pdm.lock, pip-tools' compiled requirements), whatever format
the pins were read from. Versions compare as PEP 440 says (``1.0`` is ``1.0.0``); a version PEP
440 cannot read compares as text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.checks.venv import installed as _installed

#: the problems a summary names (the facts have all of them)
SHOWN = 5


@dataclass(frozen=True)
class Pin:
    name: str
    #: "" where the lock has none (a directory or VCS source)
    version: str
    #: the installed version must be this one (not for a source installed from a directory)
    exact: bool = True
    #: it must be installed (not for the project's own virtual entry)
    required: bool = True


@dataclass(frozen=True)
class Drift:
    #: "NAME X installed, LOCK says Y"
    wrong: tuple[str, ...]
    #: "NAME Y is locked but not installed"
    missing: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.wrong or self.missing)

    def summary(self) -> str:
        problems = [*self.wrong, *self.missing]
        more = f" (+{len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
        return "; ".join(problems[:SHOWN]) + more

    def facts(self) -> dict[str, Any]:
        return {"drift": list(self.wrong), "missing": list(self.missing)}


def same(a: str, b: str) -> bool:
    """Two versions are the same release (PEP 440 equality; text equality where unreadable)."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def compare(pins: Iterable[Pin], lock: str) -> Drift:
    """What is installed in another version than ``lock`` pins, and what it pins that is not
    installed, in the order of ``pins``."""
    installed = _installed.installed()
    wrong: list[str] = []
    missing: list[str] = []
    for pin in pins:
        dist = installed.get(canonicalize_name(pin.name))
        if dist is None:
            if pin.required:
                said = f"{pin.name} {pin.version}" if pin.version else pin.name
                missing.append(f"{said} is locked but not installed")
        elif pin.exact and pin.version and not same(dist.version, pin.version):
            wrong.append(f"{dist.name} {dist.version} installed, {lock} says {pin.version}")
    return Drift(tuple(wrong), tuple(missing))
