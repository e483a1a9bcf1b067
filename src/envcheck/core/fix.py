"""Fixes as data: the steps that repair a failure, what each needs, and how it reads.

A failing check carries a :class:`Fix`: an ordered list of steps, each one of

- :class:`Command`: a program to run on this machine (an argv, never a shell string; a secret
  travels in ``env`` as a ``${VAR}`` reference, never in the argv),
- :class:`Sql`: a statement for the configured PostgreSQL instance, with the role it needs,
- :class:`RedisCommand`: a command for the configured Redis instance,
- :class:`Edit`: a change to a file of the project (a TOML key, a ``.env`` line, a JSON entry),
- :class:`Manual`: what to do or whom to ask; never run by a program.

Every report shows ``str(fix)``; the JSON report also carries :meth:`Fix.to_dict`. A fix written
as prose only (``fix="restart the VPN"``) is a :class:`Fix` with ``text`` and no steps: shown,
never run.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

#: what a step may need beyond an ordinary user on this machine
Need = Literal["sudo", "superuser", "admin", "network", "owner"]


@dataclass(frozen=True)
class Step:
    """One step of a fix. ``needs`` says what it takes beyond an ordinary user (``sudo``, a
    database ``superuser``, a Redis ``admin``, the ``network``, the object's ``owner``);
    ``repeatable`` says whether running it twice is harmless."""

    kind: ClassVar[str] = "step"
    needs: frozenset[str] = field(default=frozenset(), kw_only=True)
    repeatable: bool = field(default=True, kw_only=True)

    @property
    def where(self) -> str:
        """``local`` (this machine), ``server`` (sent to the configured server) or ``person``."""
        return "local"

    @property
    def privileged(self) -> bool:
        return bool(self.needs & {"sudo", "superuser", "admin", "owner"})

    def render(self) -> str:  # pragma: no cover - every step kind renders itself
        raise NotImplementedError

    def fields(self) -> dict[str, Any]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.render(),
            "where": self.where,
            "needs": sorted(self.needs),
            "repeatable": self.repeatable,
            **self.fields(),
        }


@dataclass(frozen=True)
class Command(Step):
    """A program run on this machine. ``env`` maps variable names to values or ``${VAR}``
    references (resolved when the step runs; secrets never reach the argv or the output)."""

    kind: ClassVar[str] = "command"
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    timeout: float = 300.0

    def __post_init__(self) -> None:
        if isinstance(self.argv, str) or not self.argv:
            raise ValueError("Command(argv=...) takes a list of arguments, not a shell string")
        object.__setattr__(self, "argv", tuple(self.argv))

    def render(self) -> str:
        env = " ".join(f"{name}={value}" for name, value in self.env.items())
        line = shlex.join(self.argv)
        line = f"{env} {line}" if env else line
        return f"cd {shlex.quote(self.cwd)} && {line}" if self.cwd else line

    def fields(self) -> dict[str, Any]:
        return {"argv": list(self.argv), "env": dict(self.env), "cwd": self.cwd}


@dataclass(frozen=True)
class Sql(Step):
    """A statement for a PostgreSQL instance of ``[tool.envcheck.postgres]``: sent as the
    configured role, or as ``role`` (e.g. ``postgres``) when that one lacks the right; in
    ``database`` when it must run elsewhere (``CREATE DATABASE`` runs in ``postgres``)."""

    kind: ClassVar[str] = "sql"
    statement: str
    instance: str = "default"
    role: str | None = None
    database: str | None = None
    #: how a person runs it (a ``psql`` line); default: the statement itself
    shown: str | None = None

    @property
    def where(self) -> str:
        return "server"

    def render(self) -> str:
        return self.shown or self.statement

    def fields(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "instance": self.instance,
            "role": self.role,
            "database": self.database,
        }


@dataclass(frozen=True)
class RedisCommand(Step):
    """A command for a Redis instance of ``[tool.envcheck.redis]``, sent as the configured user
    or, with ``admin`` in ``needs``, by someone who has the right."""

    kind: ClassVar[str] = "redis"
    args: Sequence[str]
    instance: str = "default"
    shown: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.args, str) or not self.args:
            raise ValueError("RedisCommand(args=...) takes a list of arguments")
        object.__setattr__(self, "args", tuple(self.args))

    @property
    def where(self) -> str:
        return "server"

    def render(self) -> str:
        return self.shown or shlex.join(["redis-cli", *self.args])

    def fields(self) -> dict[str, Any]:
        return {"args": list(self.args), "instance": self.instance}


@dataclass(frozen=True)
class Edit(Step):
    """A change to a project file: ``key`` (dotted for TOML and JSON, a variable name for
    ``dotenv``) set to ``value`` (``None`` removes it)."""

    kind: ClassVar[str] = "edit"
    path: str
    format: Literal["toml", "dotenv", "json"]
    key: str
    value: Any = None

    def render(self) -> str:
        if self.value is None:
            return f"remove {self.key} from {self.path}"
        if self.format == "dotenv":
            return f"add {self.key}={self.value} to {self.path}"
        return f"set {self.key} = {json.dumps(self.value)} in {self.path}"

    def fields(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "key": self.key, "value": self.value}


@dataclass(frozen=True)
class Manual(Step):
    """What a person does (or asks ``ask`` for); never run by a program."""

    kind: ClassVar[str] = "manual"
    text: str
    ask: str | None = None

    @property
    def where(self) -> str:
        return "person"

    def render(self) -> str:
        return self.text

    def fields(self) -> dict[str, Any]:
        return {"ask": self.ask}


@dataclass(frozen=True)
class Fix:
    """How to repair a failure: ``steps`` in order, how it reads (``text``; default: the steps
    joined by "then"), and the checks it should heal besides the failing one (``heals``)."""

    steps: Sequence[Step] = ()
    text: str | None = None
    heals: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "heals", tuple(self.heals))
        if not self.steps and not self.text:
            raise ValueError("a Fix needs steps or a text")

    def __str__(self) -> str:
        return self.text or "; then ".join(step.render() for step in self.steps)

    @property
    def runnable(self) -> bool:
        """Whether a program can apply it: it has steps and none of them is manual."""
        return bool(self.steps) and not any(isinstance(s, Manual) for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": str(self),
            "runnable": self.runnable,
            "heals": list(self.heals),
            "steps": [step.to_dict() for step in self.steps],
        }


def as_fix(value: Fix | str | Sequence[Step] | None) -> Fix | None:
    """A check's ``fix=`` as a :class:`Fix`: text becomes a prose fix, steps a fix of them."""
    if value is None or isinstance(value, Fix):
        return value
    if isinstance(value, str):
        return Fix(text=value) if value.strip() else None
    return Fix(tuple(value))


@dataclass(frozen=True)
class StepResult:
    """What applying one step did: ``ok``, its exit code (commands), its output (redacted and
    shortened by whoever shows it) and how long it took."""

    ok: bool
    output: str = ""
    exit_code: int | None = None
    duration: float = 0.0


_KINDS: dict[str, type[Step]] = {
    "command": Command,
    "sql": Sql,
    "redis": RedisCommand,
    "edit": Edit,
    "manual": Manual,
}


def step_from_dict(data: dict[str, Any]) -> Step:
    """The step :meth:`Step.to_dict` described (a report read back to apply its fixes)."""
    kind = _KINDS.get(str(data.get("kind")))
    if kind is None:
        raise ValueError(f"unknown fix step kind {data.get('kind')!r}")
    common: dict[str, Any] = {
        "needs": frozenset(data.get("needs") or ()),
        "repeatable": bool(data.get("repeatable", True)),
    }
    if kind is Command:
        return Command(
            argv=tuple(data["argv"]), env=dict(data.get("env") or {}), cwd=data.get("cwd"), **common
        )
    if kind is Sql:
        return Sql(
            statement=data["statement"],
            instance=data.get("instance") or "default",
            role=data.get("role"),
            database=data.get("database"),
            shown=data.get("text"),
            **common,
        )
    if kind is RedisCommand:
        return RedisCommand(
            args=tuple(data["args"]),
            instance=data.get("instance") or "default",
            shown=data.get("text"),
            **common,
        )
    if kind is Edit:
        return Edit(
            path=data["path"],
            format=data["format"],
            key=data["key"],
            value=data.get("value"),
            **common,
        )
    return Manual(text=data.get("text") or "", ask=data.get("ask"), **common)


def fix_from_dict(data: dict[str, Any]) -> Fix:
    """The fix :meth:`Fix.to_dict` described."""
    return Fix(
        tuple(step_from_dict(step) for step in data.get("steps") or ()),
        text=data.get("text"),
        heals=tuple(data.get("heals") or ()),
    )
