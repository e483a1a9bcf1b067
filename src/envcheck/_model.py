"""The vocabulary of envcheck: checks, their outcomes and their results."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from envcheck._context import Context  # noqa: F401 - used in a string annotation

FactValue = Union[str, int, float, bool, None, list[Any], dict[str, Any]]


DEFAULT_TIMEOUT = 10.0


class Status(str, enum.Enum):
    """How a check ended."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


class Evidence(str, enum.Enum):
    """Where the answer of a check came from."""

    LIVE = "live"
    REPLAYED = "replayed"
    MOCKED = "mocked"


@dataclass(frozen=True)
class Outcome:
    """What a check's ``run`` may return instead of ``None`` (which means: passed)."""

    status: Status
    summary: str = ""
    facts: Mapping[str, FactValue] = field(default_factory=dict)
    hint: str | None = None
    why: str | None = None


def ok(summary: str = "", **facts: FactValue) -> Outcome:
    """A passing outcome with a one-line summary and facts."""
    return Outcome(Status.PASS, summary, facts)


def warn(summary: str, *, hint: str | None = None, **facts: FactValue) -> Outcome:
    """A passing outcome that deserves attention (shown as WARN in reports)."""
    return Outcome(Status.WARN, summary, facts, hint)


def skip(reason: str, *, hint: str | None = None, **facts: FactValue) -> Outcome:
    """The check does not apply here (for example: not configured)."""
    return Outcome(Status.SKIP, reason, facts, hint)


class CheckFailed(Exception):
    """Raise from a check to fail it with a message, the reason and the fix."""

    def __init__(
        self,
        summary: str,
        *,
        hint: str | None = None,
        why: str | None = None,
        facts: Mapping[str, FactValue] | None = None,
    ) -> None:
        super().__init__(summary)
        self.summary = summary
        self.hint = hint
        self.why = why
        self.facts = dict(facts or {})


class CheckSkipped(Exception):
    """Raise from a check to skip it (the check does not apply here)."""

    def __init__(self, reason: str, *, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


RunFunction = Callable[["Context"], Union[Outcome, None, Awaitable[Union[Outcome, None]]]]


@dataclass(frozen=True)
class Check:
    """One verifiable fact about the environment; becomes one pytest item.

    ``run(ctx)`` may be a plain or an ``async`` function. It passes by returning ``None`` or
    :func:`ok`, fails by raising :class:`CheckFailed` (any other exception fails too, with its
    type and message), and may return :func:`warn` or :func:`skip`.
    """

    name: str
    component: str
    run: RunFunction
    description: str = ""
    depends_on: Sequence[str] = ()
    #: seconds; ``None``: the ``timeout`` of ``[tool.envcheck]`` (10 s unless set)
    timeout: float | None = None
    section: Any = None

    @property
    def seconds(self) -> float:
        """The timeout that applies (``timeout``, once envcheck has filled in the default)."""
        return self.timeout if self.timeout is not None else DEFAULT_TIMEOUT

    @property
    def id(self) -> str:
        """The check's unique id, ``component/name``."""
        return f"{self.component}/{self.name}"


@dataclass
class CheckResult:
    """What a check ended with; the unit of every report."""

    id: str
    component: str
    name: str
    status: Status
    summary: str
    description: str = ""
    facts: dict[str, FactValue] = field(default_factory=dict)
    hint: str | None = None
    why: str | None = None
    duration: float = 0.0
    evidence: str | None = None
    blocked_by: str | None = None
    depends_on: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "component": self.component,
            "name": self.name,
            "status": self.status.value,
            "summary": self.summary,
            "description": self.description,
            "facts": self.facts,
            "hint": self.hint,
            "why": self.why,
            "duration": round(self.duration, 4),
            "evidence": self.evidence,
            "blocked_by": self.blocked_by,
            "depends_on": list(self.depends_on),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        return cls(
            id=data["id"],
            component=data["component"],
            name=data["name"],
            status=Status(data["status"]),
            summary=data["summary"],
            description=data.get("description", ""),
            facts=dict(data.get("facts") or {}),
            hint=data.get("hint"),
            why=data.get("why"),
            duration=float(data.get("duration", 0.0)),
            evidence=data.get("evidence"),
            blocked_by=data.get("blocked_by"),
            depends_on=list(data.get("depends_on") or []),
        )
