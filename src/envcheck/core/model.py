"""The vocabulary of envcheck: checks, what a running check sees (:class:`Context`), their
outcomes and their results."""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from envcheck.core import interpolate as _interpolate
from envcheck.core.fix import Fix, Step, as_fix
from envcheck.core.limits import DEFAULT_TIMEOUT, timeout_problem

if TYPE_CHECKING:
    from envcheck.core.config import EnvcheckConfig

FactValue = Union[str, int, float, bool, None, list[Any], dict[str, Any]]


#: pytest's own markers: a component named like one would change how pytest treats its items.
PYTEST_MARKERS = frozenset(
    {
        "skip",
        "skipif",
        "xfail",
        "parametrize",
        "usefixtures",
        "filterwarnings",
        "tryfirst",
        "trylast",
        "envcheck",
    }
)
_COMPONENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class InvalidCheck(ValueError):
    """A :class:`Check` that envcheck cannot run; the message says which field and the fix."""


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
    #: the structured fix; ``hint`` is how it reads
    fix: Fix | None = None

    def __post_init__(self) -> None:
        if self.fix is not None and self.hint is None:
            object.__setattr__(self, "hint", str(self.fix))
        elif self.hint is not None and self.fix is None:
            object.__setattr__(self, "fix", as_fix(self.hint))


FixArgument = Union[Fix, str, Sequence[Step], None]


def _fix(fix: FixArgument, hint: str | None) -> Fix | None:
    """``fix=`` (text, steps or a :class:`Fix`), or its older name ``hint=``."""
    if fix is not None and hint is not None:
        raise TypeError("give fix= or hint= (its older name), not both")
    return as_fix(fix if fix is not None else hint)


def ok(summary: str = "", **facts: FactValue) -> Outcome:
    """A passing outcome with a one-line summary and facts."""
    return Outcome(Status.PASS, summary, facts)


def warn(
    summary: str,
    *,
    why: str | None = None,
    fix: FixArgument = None,
    hint: str | None = None,
    **facts: FactValue,
) -> Outcome:
    """A passing outcome that deserves attention (shown as WARN in reports), with the reason and
    the fix."""
    return Outcome(Status.WARN, summary, facts, why=why, fix=_fix(fix, hint))


def skip(
    reason: str,
    *,
    why: str | None = None,
    fix: FixArgument = None,
    hint: str | None = None,
    **facts: FactValue,
) -> Outcome:
    """The check does not apply here (for example: not configured); ``fix`` says how to make it
    apply."""
    return Outcome(Status.SKIP, reason, facts, why=why, fix=_fix(fix, hint))


class CheckFailed(Exception):
    """Raise from a check to fail it with a message, the reason (``why``) and the fix (``fix``:
    text, a list of steps or a :class:`~envcheck.kit.Fix`; ``hint`` is its older name)."""

    def __init__(
        self,
        summary: str,
        *,
        why: str | None = None,
        fix: FixArgument = None,
        hint: str | None = None,
        facts: Mapping[str, FactValue] | None = None,
    ) -> None:
        super().__init__(summary)
        self.summary = summary
        self.fix = _fix(fix, hint)
        self.hint = str(self.fix) if self.fix is not None else None
        self.why = why
        self.facts = dict(facts or {})


class CheckSkipped(Exception):
    """Raise from a check to skip it (the check does not apply here)."""

    def __init__(
        self,
        reason: str,
        *,
        why: str | None = None,
        fix: FixArgument = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.why = why
        self.fix = _fix(fix, hint)
        self.hint = str(self.fix) if self.fix is not None else None


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

    def __post_init__(self) -> None:
        problem = _check_problem(self)
        if problem is not None:
            raise InvalidCheck(problem)

    @property
    def seconds(self) -> float:
        """The timeout that applies (``timeout``, once envcheck has filled in the default)."""
        return self.timeout if self.timeout is not None else DEFAULT_TIMEOUT

    @property
    def id(self) -> str:
        """The check's unique id, ``component/name``."""
        return f"{self.component}/{self.name}"


def _text_problem(what: str, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{what} must be a non-empty string (got {value!r})"
    if not value.isprintable():
        return f"{what} {value!r} has control characters; use printable text"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{what} {value!r} is not valid Unicode"
    return None


def _check_problem(check: Check) -> str | None:
    problem = _text_problem("name", check.name) or _text_problem("component", check.component)
    if problem is not None:
        return problem
    label = f"check {check.component}/{check.name}"
    if check.component in PYTEST_MARKERS:
        return (
            f"{label}: component {check.component!r} is one of pytest's own markers "
            "(its checks would be skipped or expected to fail); choose another component name"
        )
    if not _COMPONENT.fullmatch(check.component):
        return (
            f"{label}: component {check.component!r} is not a marker name; use letters, digits, "
            "'_' and '-', starting with a letter"
        )
    if not callable(check.run):
        return f"{label}: run must be a function taking the context, not {check.run!r}"
    if isinstance(check.depends_on, str) or not all(
        isinstance(dep, str) and dep for dep in check.depends_on
    ):
        return f"{label}: depends_on must be a list of check names, e.g. depends_on=['reachable']"
    if check.timeout is not None:
        problem = timeout_problem(check.timeout)
        if problem is not None:
            return f"{label}: timeout {problem}"
    return None


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
    #: the structured fix (:meth:`Fix.to_dict`), when the check gave one
    fix: dict[str, Any] | None = None
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
            "fix": self.fix,
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
            fix=data.get("fix"),
            duration=float(data.get("duration", 0.0)),
            evidence=data.get("evidence"),
            blocked_by=data.get("blocked_by"),
            depends_on=list(data.get("depends_on") or []),
        )


class Context:
    """Handed to ``Check.run``: the check's config, its deadline, a place for facts."""

    def __init__(
        self,
        check: Check,
        config: EnvcheckConfig,
        results: Mapping[str, CheckResult],
        deadline: float,
    ) -> None:
        self.check = check
        self.config = config
        self.section: Any = check.section
        self.facts: dict[str, FactValue] = {}
        self.evidence: str | None = None
        self._results = results
        self._deadline = deadline

    @property
    def rootdir(self) -> Path:
        return self.config.rootdir

    def remaining(self) -> float:
        """Seconds left before the check's timeout (never below 0.05)."""
        return max(0.05, self._deadline - time.monotonic())

    def fact(self, key: str | None = None, value: FactValue = None, /, **facts: FactValue) -> None:
        """Record facts (version, latency, count...) shown in every report, whatever the check
        ends with: ``ctx.fact("version", "15.4")`` or ``ctx.fact(version="15.4", port=5432)``."""
        if key is not None:
            self.facts[key] = value
        self.facts.update(facts)

    def resolve(self, value: Any, *, secret: bool = False, key: str = "value") -> str:
        """Resolve ``${VAR}`` references in ``value``; secrets are masked in all output.

        A missing variable without a default fails the check naming the variable and ``key``.
        """
        if value is None:
            return ""
        if hasattr(value, "get_secret_value"):
            value, secret = value.get_secret_value(), True
        try:
            return _interpolate.resolve(str(value), self.config.environ, secret=secret)
        except _interpolate.MissingVariable as exc:
            raise CheckFailed(
                f"{key} refers to ${{{exc.name}}}, which is not set",
                why=f"the environment variable {exc.name} is empty or missing in this shell",
                hint=f"export {exc.name}=... (or give a default: ${{{exc.name}:-...}})",
            ) from None

    def dependency(self, check_id: str) -> CheckResult:
        """The result of a check this one depends on."""
        return self._results[check_id]
